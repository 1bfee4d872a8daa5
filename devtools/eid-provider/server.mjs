// The development eID provider: a real OpenID provider (panva's oidc-provider, OpenID Certified)
// with demo personas, for `make demo` and the test suite. Never for production.
//
//   node devtools/eid-provider/server.mjs --port 5001 --clients clients.json [--lenient-acr]
//
// What it does like the national eID behind a SAML->OIDC broker would: PKCE required, pairwise
// subjects, eIDAS levels of assurance as `acr`, RP-initiated and back-channel logout. The
// persona page needs no JavaScript, and a test can POST the same form.

import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider, { interactionPolicy } from 'oidc-provider';

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string', default: '5001' },
    host: { type: 'string', default: '127.0.0.1' },
    issuer: { type: 'string' },
    clients: { type: 'string' },
    'pairwise-salt': { type: 'string', default: 'glas-dev-pairwise' },
    // Issue tokens at whatever level was chosen, even when the client demanded more, so
    // that tests can prove the client enforces the level itself.
    'lenient-acr': { type: 'boolean', default: false },
    // Misbehave on purpose, for the relying party's tests: "no-id-token" drops the ID token
    // from the token response; "userinfo-sub" answers userinfo with another subject.
    tamper: { type: 'string' },
  },
});

const LEVELS = ['low', 'substantial', 'high'];
const ACR = Object.fromEntries(LEVELS.map((level) => [level, `http://eidas.europa.eu/LoA/${level}`]));
const LEVEL_OF = Object.fromEntries(LEVELS.map((level) => [ACR[level], level]));

const { personas } = JSON.parse(fs.readFileSync(new URL('./personas.json', import.meta.url), 'utf8'));
const PERSONAS = new Map(personas.map((persona) => [persona.id, persona]));
const clients = JSON.parse(fs.readFileSync(opts.clients, 'utf8'));
const issuer = opts.issuer ?? `http://${opts.host}:${opts.port}`;

function escapeHtml(value) {
  return String(value).replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

// A pairwise subject: the same persona gets a different, stable `sub` at every sector (host
// of the client's redirect URIs). Glas's demo seed computes the same value.
function pairwiseSubject(sector, accountId) {
  return crypto.createHash('sha256').update(`${sector}|${accountId}|${opts['pairwise-salt']}`).digest('hex');
}

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · development eID</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}
.banner{background:#fff4d6;border-left:6px solid #7a4f00;padding:.5rem 1rem}
fieldset{border:1px solid #5f6b78;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
label{display:block;padding:.25rem 0}
button{font:inherit;font-weight:700;padding:.6rem 1.2rem;margin:.5rem .5rem 0 0;border:2px solid #0a4f8c;border-radius:6px;background:#0a4f8c;color:#fff}
button.secondary{background:#fff;color:#0a4f8c}
.error{color:#b3261e;font-weight:700}
small{color:#48525e}
</style>
</head>
<body>
<p class="banner">Development eID provider: demo personas only. Not the national eID.</p>
${body}
</body>
</html>`;
}

function personaForm(uid, details, error) {
  const requested = requestedLevels(details.params);
  const rows = personas.map((persona, index) => `
      <label><input type="radio" name="persona" value="${escapeHtml(persona.id)}"${index === 0 ? ' checked' : ''}>
        ${escapeHtml(persona.given_name)} ${escapeHtml(persona.family_name)}
        <small>(${escapeHtml(persona.id)}: ${escapeHtml(persona.description)}; up to ${persona.max_level})</small></label>`).join('');
  const levels = LEVELS.map((level) => `
      <label><input type="radio" name="level" value="${level}"${level === 'substantial' ? ' checked' : ''}> ${level}</label>`).join('');
  return page('Sign in', `
<h1>Sign in to ${escapeHtml(details.params.client_id)}</h1>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p>The service asks for level of assurance: ${escapeHtml(requested.map((acr) => LEVEL_OF[acr] ?? acr).join(' or ') || 'any')}.</p>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <fieldset><legend>Who are you?</legend>${rows}</fieldset>
  <fieldset><legend>Sign in with</legend>${levels}</fieldset>
  <button type="submit">Sign in</button>
  <button type="submit" class="secondary" formaction="/interaction/${escapeHtml(uid)}/abort">Cancel</button>
</form>`);
}

// The levels the client will accept: the essential `acr` values of the claims parameter if
// given (Glas sends them), else the voluntary `acr_values`.
function requestedLevels(params) {
  let claims = {};
  try {
    claims = params.claims ? JSON.parse(params.claims) : {};
  } catch {
    claims = {};
  }
  const acr = claims?.id_token?.acr;
  if (acr?.essential && Array.isArray(acr.values)) return acr.values;
  if (acr?.essential && acr.value) return [acr.value];
  return params.acr_values ? String(params.acr_values).split(' ') : [];
}

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 64 * 1024) throw new Error('form too large');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const policy = interactionPolicy.base();
if (opts['lenient-acr']) {
  const login = policy.get('login');
  for (const name of ['essential_acrs', 'essential_acr']) login.checks.remove(name);
}

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [signingKey] },
  cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  acrValues: Object.values(ACR),
  subjectTypes: ['public', 'pairwise'],
  pairwiseIdentifier: async (ctx, accountId, client) => pairwiseSubject(client.sectorIdentifier, accountId),
  claims: {
    acr: null,
    auth_time: null,
    sid: null,
    openid: ['sub'],
    profile: ['given_name', 'family_name', 'birthdate'],
    residence: ['municipality_code'],
  },
  features: {
    devInteractions: { enabled: false },
    claimsParameter: { enabled: true },
    backchannelLogout: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.body = page('Sign out', `
<h1>Sign out of the development eID?</h1>
${form}
<button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm" class="secondary">No, stay signed in</button>`);
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.body = page('Signed out', '<h1>You are signed out of the development eID.</h1>');
      },
    },
  },
  interactions: {
    policy,
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  // A first-party client: no consent screen. The grant covers what was asked for.
  loadExistingGrant: async (ctx) => {
    const existing = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (existing) return ctx.oidc.provider.Grant.find(existing);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    grant.addOIDCClaims(['sub', 'acr', 'sid', 'auth_time', ...Object.keys(ctx.oidc.claims?.id_token ?? {}), ...Object.keys(ctx.oidc.claims?.userinfo ?? {})]);
    await grant.save();
    return grant;
  },
  findAccount: async (ctx, id) => {
    const persona = PERSONAS.get(id);
    if (!persona) return undefined;
    return {
      accountId: id,
      claims: async () => ({
        sub: id,
        given_name: persona.given_name,
        family_name: persona.family_name,
        birthdate: persona.birthdate,
        municipality_code: persona.municipality_code,
      }),
    };
  },
  renderError: async (ctx, out) => {
    ctx.type = 'html';
    ctx.body = page('Error', `<h1>Sign-in error</h1><p>${escapeHtml(out.error)}: ${escapeHtml(out.error_description ?? '')}</p>`);
  },
  // oidc-provider 9 refuses to call loopback addresses (an SSRF guard); the back-channel
  // logout of a local Glas must reach 127.0.0.1, so this development provider drops the guard.
  fetch: (url, options) => {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
});
provider.proxy = false;

async function handleInteraction(req, res, url) {
  const match = url.pathname.match(/^\/interaction\/([^/]+)(?:\/(login|abort))?$/);
  if (!match) return false;
  const [, uid, action] = match;
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new Error('interaction mismatch');
  const html = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end(body);
  };
  if (req.method === 'GET' && !action) {
    html(200, personaForm(uid, details));
    return true;
  }
  if (req.method !== 'POST' || !action) {
    html(405, page('Not allowed', '<h1>Method not allowed</h1>'));
    return true;
  }
  if (action === 'abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'The person cancelled the sign-in.',
    }, { mergeWithLastSubmission: false });
    return true;
  }
  const form = await readForm(req);
  const persona = PERSONAS.get(form.get('persona') ?? '');
  const level = form.get('level') ?? '';
  if (!persona || !LEVELS.includes(level)) {
    html(400, personaForm(uid, details, 'Choose a persona and a level.'));
    return true;
  }
  if (LEVELS.indexOf(level) > LEVELS.indexOf(persona.max_level)) {
    html(400, personaForm(uid, details, `${persona.given_name} can sign in only up to ${persona.max_level}.`));
    return true;
  }
  const wanted = requestedLevels(details.params);
  if (!opts['lenient-acr'] && wanted.length && !wanted.includes(ACR[level])) {
    // What a conforming provider does when it cannot meet an essential acr (OIDC Core 3.1.2.6).
    await provider.interactionFinished(req, res, {
      error: 'unmet_authentication_requirements',
      error_description: `signed in at ${level}, the client requires ${wanted.map((acr) => LEVEL_OF[acr] ?? acr).join(' or ')}`,
    }, { mergeWithLastSubmission: false });
    return true;
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: persona.id, acr: ACR[level], amr: [level === 'low' ? 'pwd' : 'mfa'], remember: false },
  }, { mergeWithLastSubmission: false });
  return true;
}

// Rewrite a JSON response of the provider just before it is sent (tests only, see --tamper).
function rewriteJson(res, change) {
  const chunks = [];
  const end = res.end.bind(res);
  res.write = (chunk) => {
    chunks.push(Buffer.from(chunk));
    return true;
  };
  res.end = (chunk, ...rest) => {
    if (chunk && typeof chunk !== 'function') chunks.push(Buffer.from(chunk));
    let body = Buffer.concat(chunks).toString('utf8');
    try {
      body = JSON.stringify(change(JSON.parse(body)));
    } catch {
      // not JSON: leave it
    }
    res.setHeader('content-length', Buffer.byteLength(body));
    return end(body);
  };
}

function tamper(req, res, url) {
  if (opts.tamper === 'no-id-token' && req.method === 'POST' && url.pathname === '/token') {
    rewriteJson(res, (body) => {
      delete body.id_token;
      return body;
    });
  }
  if (opts.tamper === 'userinfo-sub' && url.pathname === '/me') {
    rewriteJson(res, (body) => ({ ...body, sub: `${body.sub}-someone-else` }));
  }
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, issuer);
  try {
    if (url.pathname.startsWith('/interaction/') && await handleInteraction(req, res, url)) return;
  } catch (error) {
    res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(page('Error', `<h1>Sign-in error</h1><p>${escapeHtml(error.message)}</p>`));
    return;
  }
  if (opts.tamper) tamper(req, res, url);
  callback(req, res);
});

server.listen(Number(opts.port), opts.host, () => {
  console.log(`development eID provider ready at ${issuer} with ${personas.length} personas`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
