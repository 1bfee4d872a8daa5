"""Every page of Glas that the accessibility and HTML checks visit.

Each feature adds its pages here: list pages, detail pages (of demo data), forms, and the
pages only a signed-in person sees (``as_role`` names the demo persona's role). A form page
is also registered in its error state (``submit``): the page the server answers to a form
sent with invalid data, with its error summary. ``test_page_registry`` fails when an HTML
page of the app is missing here; what is not an HTML page is listed in ``NOT_PAGES``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Submit:
    """A form of the page, filled in and sent by a real click (so with its CSRF token).

    The form is found by its ``action`` (a path, as stable as the route, and the registry
    guard resolves it to the endpoint that answers); fields and the button by CSS selectors,
    not visible text, so that they work in every language.
    """

    action: str
    #: (selector inside the form, value to type): fields left as they are are sent as shown.
    fill: tuple[tuple[str, str], ...] = ()
    button: str = "[type=submit]"

    @property
    def form(self) -> str:
        """The CSS selector of the form: its action is the path, maybe with a query or anchor."""
        return ", ".join(
            f"form[action{op}'{self.action}{end}']"
            for op, end in (("=", ""), ("^=", "?"), ("^=", "#"))
        )


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    #: The status of the page checked: the answer to ``submit`` when there is one.
    status: int = 200
    #: Signed in as the demo persona with this role; ``None`` for an anonymous visitor.
    as_role: str | None = None
    #: Send this form of the page (with invalid data) and check the page that comes back.
    submit: Submit | None = None


#: GET routes that answer with something other than an HTML page, so the browser checks skip
#: them (``static`` is left out by the guard itself).
NOT_PAGES = frozenset(
    {
        "auth.login",  # a redirect to the eID provider (its problem page: "sign-in-problem")
        "admin.index",  # a redirect to the list of accounts
        "pages.set_language",  # sets the language and redirects back to where one was
        "health.healthz",  # JSON for the load balancer's health check
        "initiatives.export",  # the filtered list of initiatives as CSV
        "initiatives.moderation",  # the queue's old address: a redirect to moderation.index
        "questions.export",  # the filtered list of questions as CSV
        "initiatives.attachment",  # an attached picture or PDF document, as the file itself
        "account.download",  # "my data" as a JSON download
        "replies.export_csv",  # the filtered list of reply letters as CSV
        "replies.as_json_view",  # a letter as JSON (validated against its schema in the tests)
        "replies.qr",  # a letter's QR code, an SVG file
        "replies.attachment",  # a letter's signed PDF or annex, as the file itself
        "accountability.overdue_csv",  # the answers overdue now, as CSV
        "accountability.units_csv",  # the figures by unit and year, as CSV
        "accountability.councillors_csv",  # the figures by councillor, as CSV
        "accountability.verdicts_csv",  # the askers' verdicts by unit, as CSV
        "accountability.chart_on_time",  # an SVG picture, shown in the accountability page
        "accountability.chart_median_days",  # an SVG picture, shown in the accountability page
        # The Atom feeds of the lists and items (parsed by a feed parser in tests/feeds).
        "feeds.initiatives",
        "feeds.initiative",
        "feeds.questions",
        "feeds.question",
        "feeds.replies",
        "feeds.reply",
        "feeds.sessions",
        "feeds.session",
        "feeds.councillor",
        "feeds.projects",
        "feeds.project",
        # The open-data API: JSON, validated against its OpenAPI document in tests/api.
        "api.index",
        "api.openapi_document",
        "api.initiatives",
        "api.initiative",
        "api.questions",
        "api.question",
        "api.replies",
        "api.reply",
        "api.sessions",
        "api.session",
        "api.councillors",
        "api.councillor",
        "api.accountability",
        "api.projects",
        "api.project",
        "api.commitments",
        # Marks one notification read and redirects to its item.
        "notifications.open_one",
        "projects.export_csv",  # the filtered list of projects as CSV (the import's format)
        "projects.commitments_csv",  # the commitments as CSV (tests/projects)
        # Open data: a dumped CSV or the manifest (its "not generated yet" page is registered),
        # and the DCAT-AP catalogue in RDF (read back by rdflib in tests/opendata).
        "opendata.file",
        "opendata.catalog",
        "opendata.catalog_as",
    }
)


PAGES: list[Page] = [
    Page("home", "/"),
    Page("about", "/about"),
    Page("accessibility", "/accessibility"),
    Page("privacy", "/privacy"),
    Page(
        "feedback-errors",
        "/accessibility",
        status=422,
        submit=Submit("/accessibility"),
    ),
    Page("not-found", "/no-such-page", status=404),
    # Sign-in and the account
    Page("signed-out", "/auth/logged-out"),
    Page("sign-in-problem", "/auth/callback?code=x&state=y", status=400),
    Page("email-link-invalid", "/auth/confirm-email/forged", status=400),
    Page("welcome", "/auth/welcome", as_role="newcomer"),
    Page("home-signed-in", "/", as_role="resident"),
    Page("account", "/me/", as_role="resident"),
    Page("account-delete", "/me/delete", as_role="resident"),
    Page("account-deleted", "/me/deleted"),
    Page(
        "welcome-errors",
        "/auth/welcome",
        status=422,
        as_role="newcomer",
        submit=Submit("/auth/welcome", fill=(("[name=pseudonym]", ""),)),
    ),
    Page(
        "account-errors",
        "/me/",
        status=422,
        as_role="resident",
        submit=Submit("/me/", fill=(("[name=pseudonym]", "x"),)),
    ),
    Page(
        "account-delete-errors",
        "/me/delete",
        status=422,
        as_role="resident",
        submit=Submit("/me/delete"),  # the box "I understand" not ticked
    ),
    Page("forbidden", "/admin/users", status=403, as_role="resident"),
    # Initiatives (demo data: 1 open, 2 awaiting a response, 4 carried out, 5 partly accepted,
    # 7 expired, 9 not published, 10 submitted by Ana, 11 Ana's draft)
    Page("initiatives", "/initiatives/"),
    Page("initiatives-filtered", "/initiatives/?state=answered&sort=supported&topic=promet"),
    Page("initiatives-search", "/initiatives/?q=kolesarska"),
    Page("initiatives-bad-filter", "/initiatives/?state=nonsense", status=400),
    Page("initiative-open", "/initiatives/1"),
    Page("initiative-open-slug", "/initiatives/1-varen-prehod-za-pesce-pred-os-strazisce"),
    Page("initiative-awaiting", "/initiatives/2"),
    Page("initiative-completed", "/initiatives/4"),
    Page("initiative-expired", "/initiatives/7"),
    Page("initiative-rejected", "/initiatives/9"),
    Page("initiative-open-author", "/initiatives/1", as_role="resident"),
    Page("initiative-open-supporter", "/initiatives/1", as_role="supporter"),
    Page("initiative-draft-author", "/initiatives/11", as_role="resident"),
    Page("initiative-edit", "/initiatives/11/edit", as_role="resident"),
    Page(
        "initiative-edit-errors",
        "/initiatives/11/edit",
        status=422,
        as_role="resident",
        submit=Submit(
            "/initiatives/11/edit",
            fill=(("[name=title]", ""),),
            button="[value=save]",
        ),
    ),
    Page(
        "attachment-error",
        "/initiatives/11",
        status=422,
        as_role="resident",
        submit=Submit("/initiatives/11/attachments"),  # no file chosen
    ),
    Page("initiative-delete", "/initiatives/11/delete", as_role="resident"),
    Page("initiative-withdraw", "/initiatives/1/withdraw", as_role="resident"),
    Page("initiative-new", "/initiatives/new", as_role="resident"),
    Page(
        "initiative-new-errors",
        "/initiatives/new",
        status=422,
        as_role="resident",
        submit=Submit("/initiatives/new", button="[value=save]"),
    ),
    Page(
        "initiative-new-similar",
        "/initiatives/new",
        as_role="resident",
        submit=Submit(
            "/initiatives/new",
            fill=(("[name=title]", "Kolesarska steza"),),
            button="[value=check]",
        ),
    ),
    Page("initiatives-mine", "/initiatives/mine", as_role="resident"),
    Page("initiative-cannot-submit", "/initiatives/new", status=403, as_role="non_resident"),
    Page("moderation-queue", "/moderation/", as_role="moderator"),
    Page("initiative-moderate", "/initiatives/10", as_role="moderator"),
    Page(
        "initiative-reject-errors",
        "/initiatives/10",
        status=422,
        as_role="moderator",
        submit=Submit("/initiatives/10/reject"),  # no reason chosen
    ),
    Page(
        "initiative-unit-errors",
        "/initiatives/10",
        status=422,
        as_role="moderator",
        submit=Submit("/initiatives/10/unit"),  # no unit chosen
    ),
    Page("initiative-respond", "/initiatives/2", as_role="administrator"),
    Page(
        "initiative-respond-errors",
        "/initiatives/2",
        status=422,
        as_role="administrator",
        submit=Submit("/initiatives/2/respond"),
    ),
    Page("initiative-progress", "/initiatives/5", as_role="administrator"),
    Page(
        "initiative-progress-errors",
        "/initiatives/5",
        status=422,
        as_role="administrator",
        submit=Submit("/initiatives/5/progress"),
    ),
    # Questions (demo data: 1 a resident's, taken up by councillor question 16; 2 Ana's,
    # assigned; 5 Ana's, waiting for moderation; 6 not published; 8 the sample letter's
    # question of the 16th regular session; 11 in preparation; 13 overdue, unassigned;
    # 14 answered in the interim, extended; 20 awaiting signature)
    Page("questions", "/questions/"),
    Page("questions-filtered", "/questions/?origin=councillor&state=overdue&sort=due"),
    Page("questions-search", "/questions/?q=gradbi%C5%A1%C4%8De"),
    Page("questions-bad-filter", "/questions/?origin=nonsense", status=400),
    Page("question-sample", "/questions/8"),
    Page("question-sample-slug", "/questions/8-projekti-e-demokracija-e-uprava"),
    Page("question-adopted", "/questions/1"),
    Page("question-rejected", "/questions/6"),
    Page("question-overdue", "/questions/13"),
    Page("question-interim", "/questions/14"),
    Page("question-initiative", "/questions/11"),
    Page("question-awaiting-signature", "/questions/20"),
    Page("question-supporter", "/questions/2", as_role="supporter"),
    Page("question-submitted-author", "/questions/5", as_role="resident"),
    Page("question-new", "/questions/new", as_role="resident"),
    Page(
        "question-new-errors",
        "/questions/new",
        status=422,
        as_role="resident",
        submit=Submit("/questions/new"),
    ),
    Page("question-edit", "/questions/5/edit", as_role="resident"),
    Page(
        "question-edit-errors",
        "/questions/5/edit",
        status=422,
        as_role="resident",
        submit=Submit("/questions/5/edit", fill=(("[name=title]", ""),)),
    ),
    Page("question-withdraw", "/questions/5/withdraw", as_role="resident"),
    Page("questions-mine", "/questions/mine", as_role="resident"),
    Page("question-moderate", "/questions/5", as_role="moderator"),
    Page(
        "question-reject-errors",
        "/questions/5",
        status=422,
        as_role="moderator",
        submit=Submit("/questions/5/reject"),  # no reason chosen
    ),
    Page("question-official", "/questions/13", as_role="official"),
    Page(
        "question-answer-errors",
        "/questions/13",
        status=422,
        as_role="official",
        submit=Submit("/questions/13/answer"),  # no text
    ),
    Page(
        "question-extend-errors",
        "/questions/13",
        status=422,
        as_role="official",
        submit=Submit("/questions/13/extend"),  # no date, no reason
    ),
    Page(
        "question-unit-errors",
        "/questions/13",
        status=422,
        as_role="official",
        submit=Submit("/questions/13/unit"),  # no unit chosen
    ),
    Page(
        "question-stage-errors",
        "/questions/13",
        status=422,
        as_role="official",
        submit=Submit("/questions/13/stage"),  # no stage chosen
    ),
    Page("question-forward", "/questions/2", as_role="administrator"),
    Page(
        "question-forward-errors",
        "/questions/2",
        status=422,
        as_role="administrator",
        submit=Submit("/questions/2/forward"),  # no unit, no reason
    ),
    Page("question-council-office", "/questions/13", as_role="council_office"),
    Page(
        "question-merge-errors",
        "/questions/13",
        status=422,
        as_role="council_office",
        submit=Submit("/questions/13/merge"),  # no question number
    ),
    Page(
        "question-register-errors",
        "/questions/13",
        status=422,
        as_role="council_office",
        submit=Submit("/questions/13/register", fill=(("[name=register-case_number]", "32"),)),
    ),
    Page("question-record-edit", "/questions/13/edit", as_role="council_office"),
    Page("question-record", "/questions/record", as_role="councillor"),
    Page(
        "question-record-errors",
        "/questions/record",
        status=422,
        as_role="councillor",
        submit=Submit("/questions/record"),  # no session, subject or text
    ),
    Page("question-adopt", "/questions/record?adopt_question=2", as_role="councillor"),
    Page("question-adoptable", "/questions/2", as_role="councillor"),
    # The council: sessions 2 and 3 are the 16th and 17th regular sessions of 2016
    Page("sessions", "/sessions/"),
    Page("sessions-2014", "/sessions/?term=1"),
    Page("session-16", "/sessions/2"),
    Page("session-17", "/sessions/3"),
    Page("session-new", "/sessions/new", as_role="council_office"),
    Page(
        "session-new-errors",
        "/sessions/new",
        status=422,
        as_role="council_office",
        submit=Submit("/sessions/new", fill=(("[name=number]", "0"),)),
    ),
    Page("session-edit", "/sessions/2/edit", as_role="council_office"),
    Page(
        "session-edit-errors",
        "/sessions/2/edit",
        status=422,
        as_role="council_office",
        submit=Submit("/sessions/2/edit", fill=(("[name=number]", "abc"),)),
    ),
    # Reply letters (demo data: 1 the imported sample; of the cabinet's letters 2 published
    # with its signed PDF and Petra Novak's verdict, 3 sent, 4 signed, 5 approved, 6 in review,
    # 7 a draft)
    Page("replies", "/replies/"),
    Page("replies-filtered", "/replies/?unit=KZ&year=2016&type=full"),
    Page("replies-search", "/replies/?q=gradbi%C5%A1%C4%8De"),
    Page("replies-bad-filter", "/replies/?type=nonsense", status=400),
    Page("reply-sample", "/replies/1"),
    Page("reply-signed-pdf", "/replies/2"),
    Page("reply-draft-hidden", "/replies/7", status=404),
    Page("reply-verify", "/replies/verify"),
    Page(
        "reply-verify-errors",
        "/replies/verify",
        status=422,
        submit=Submit("/replies/verify", fill=(("[name=sha256]", "xyz"),)),
    ),
    Page("reply-verdict", "/replies/2", as_role="councillor"),
    Page(
        "reply-verdict-errors",
        "/replies/2",
        status=422,
        as_role="councillor",
        # Her earlier verdict is filled in, to change: without a reason it is refused.
        submit=Submit("/replies/2/verdict", fill=(("[name=verdict-reason]", ""),)),
    ),
    Page("replies-drafts", "/replies/drafts", as_role="official"),
    Page("reply-new", "/replies/new?question=13", as_role="official"),
    Page(
        "reply-new-errors",
        "/replies/new",
        status=422,
        as_role="official",
        submit=Submit("/replies/new", fill=(("[name=reference_number]", "abc"),)),
    ),
    Page("reply-draft", "/replies/7", as_role="official"),
    Page("reply-edit", "/replies/7/edit", as_role="official"),
    Page(
        "reply-edit-errors",
        "/replies/7/edit",
        status=422,
        as_role="official",
        submit=Submit("/replies/7/edit", fill=(("[name=subject]", ""),)),
    ),
    Page(
        "reply-annex-errors",
        "/replies/7",
        status=422,
        as_role="official",
        submit=Submit("/replies/7/annexes"),  # no file, no title
    ),
    Page("reply-in-review", "/replies/6", as_role="reviewer"),
    Page(
        "reply-return-errors",
        "/replies/6",
        status=422,
        as_role="reviewer",
        submit=Submit("/replies/6/return"),  # no note
    ),
    Page("reply-approved", "/replies/5", as_role="official"),
    Page(
        "reply-sign-errors",
        "/replies/5",
        status=422,
        as_role="official",
        submit=Submit("/replies/5/sign"),  # no signed PDF
    ),
    Page("reply-signed", "/replies/4", as_role="official"),
    Page(
        "reply-send-errors",
        "/replies/4",
        status=422,
        as_role="official",
        submit=Submit("/replies/4/send", fill=(("[name=send-sent_at]", ""),)),
    ),
    Page("reply-sent", "/replies/3", as_role="official"),
    Page(
        "reply-publish-errors",
        "/replies/3",
        status=422,
        as_role="official",
        submit=Submit("/replies/3/publish"),  # a full reply to an initiative: no decision
    ),
    Page("reply-published-official", "/replies/2", as_role="official"),
    Page(
        "reply-retract-errors",
        "/replies/2",
        status=422,
        as_role="official",
        submit=Submit("/replies/2/retract"),  # no reason
    ),
    Page("reply-import", "/replies/import", as_role="official"),
    Page(
        "reply-import-errors",
        "/replies/import",
        status=422,
        as_role="official",
        submit=Submit("/replies/import", fill=(("[name=text]", "To ni pismo."),)),
    ),
    # Accountability: the figures of the demo's questions and initiatives, with their charts
    Page("accountability", "/accountability/"),
    Page("accountability-initiatives", "/accountability/?group=initiative"),
    Page("accountability-bad-filter", "/accountability/?year=abc", status=400),
    Page("councillors", "/councillors/"),
    Page("councillor", "/councillors/1"),
    Page("search", "/search"),
    Page("search-results", "/search?q=igri%C5%A1%C4%8De"),
    Page("search-nothing", "/search?q=zzzzqqq"),
    Page("admin-deadlines", "/admin/deadlines", as_role="administrator"),
    Page(
        "admin-deadlines-errors",
        "/admin/deadlines",
        status=422,
        as_role="administrator",
        submit=Submit("/admin/deadlines"),  # no name, no days
    ),
    Page(
        "admin-work-free-day-errors",
        "/admin/deadlines",
        status=422,
        as_role="administrator",
        submit=Submit("/admin/work-free-days"),
    ),
    Page("admin-deadline-rule", "/admin/deadlines/1", as_role="administrator"),
    Page(
        "admin-deadline-rule-errors",
        "/admin/deadlines/1",
        status=422,
        as_role="administrator",
        submit=Submit("/admin/deadlines/1", fill=(("[name=amount]", "-1"),)),
    ),
    Page("forbidden-deadlines", "/admin/deadlines", status=403, as_role="council_office"),
    # Administration (account 1 is the first demo persona's)
    Page("admin-users", "/admin/users", as_role="administrator"),
    Page("admin-users-search", "/admin/users?q=nobody&role=moderator", as_role="administrator"),
    Page("admin-user", "/admin/users/1", as_role="administrator"),
    Page(
        "admin-user-errors",
        "/admin/users/1",
        status=422,
        as_role="administrator",
        submit=Submit("/admin/users/1/roles"),  # no role chosen
    ),
    Page("admin-audit", "/admin/audit", as_role="administrator"),
    Page("admin-feedback", "/admin/feedback", as_role="administrator"),
    Page("official-user", "/admin/users/1", as_role="official"),
    # Reference data and initiative rules (item 1 of each list is from the seed)
    Page("admin-topics", "/admin/topics", as_role="administrator"),
    Page("admin-communities", "/admin/communities", as_role="administrator"),
    Page("admin-reasons", "/admin/reasons", as_role="administrator"),
    Page("admin-topic", "/admin/topics/1", as_role="administrator"),
    Page("admin-community", "/admin/communities/1", as_role="administrator"),
    Page("admin-reason", "/admin/reasons/1", as_role="administrator"),
    *(
        Page(
            f"admin-{kind}-errors",
            f"/admin/{kind}",
            status=422,
            as_role="administrator",
            submit=Submit(f"/admin/{kind}"),  # no name
        )
        for kind in ("topics", "communities", "reasons")
    ),
    Page(
        "admin-topic-errors",
        "/admin/topics/1",
        status=422,
        as_role="administrator",
        submit=Submit("/admin/topics/1", fill=(("[name=name_sl]", ""),)),
    ),
    Page("admin-initiative-rules", "/admin/initiative-rules", as_role="administrator"),
    Page(
        "admin-initiative-rules-errors",
        "/admin/initiative-rules",
        status=422,
        as_role="administrator",
        submit=Submit("/admin/initiative-rules", fill=(("[name=threshold]", "0"),)),
    ),
    Page("forbidden-rules", "/admin/initiative-rules", status=403, as_role="official"),
    # How to have one's residence verified, and who reads it
    Page("admin-residency", "/admin/residency-instructions", as_role="administrator"),
    Page(
        "admin-residency-errors",
        "/admin/residency-instructions",
        status=422,
        as_role="administrator",
        submit=Submit("/admin/residency-instructions", fill=(("[name=text_sl]", ""),)),
    ),
    Page("account-non-resident", "/me/", as_role="non_resident"),
    # Following and notifications (the demo's history is told to the personas on the site)
    Page("notifications", "/me/notifications", as_role="resident"),
    Page("notifications-official", "/me/notifications", as_role="official"),
    Page("follows", "/me/follows", as_role="resident"),
    Page(
        "follows-errors",
        "/me/follows",
        status=422,
        as_role="resident",
        submit=Submit("/me/follows"),  # neither a topic nor a local community chosen
    ),
    Page("unsubscribe-invalid", "/notifications/unsubscribe/forged", status=404),
    # Projects (demo data: 2 amber, 3 red, 4 done, 5 and 6 of UOP, whose official is Tomaž
    # ("non_resident"); 6 stale; milestone 10 is project 5's). Commitments of letter 1 (the
    # sample, issued by KZ, Maja's unit): 1 kept, 2 open and late.
    Page("projects", "/projects/"),
    Page("projects-filtered", "/projects/?light=red&sort=delay&unit=UGDP"),
    Page("projects-stale", "/projects/?light=stale"),
    Page("projects-bad-filter", "/projects/?light=purple", status=400),
    Page("project-amber", "/projects/2"),
    Page("project-done", "/projects/4"),
    Page("project-stale", "/projects/6"),
    Page("project-official", "/projects/5", as_role="non_resident"),
    *(
        Page(
            f"project-{name}-errors",
            "/projects/5",
            status=422,
            as_role="non_resident",
            submit=Submit(f"/projects/5/{action}", fill=fill),
        )
        for name, action, fill in (
            ("status", "status", (("[name=status-progress]", "101"),)),
            ("schedule", "schedule", (("[name=schedule-ends_on]", ""),)),
            ("year", "years", (("[name=year-budget]", "-1"),)),
            ("milestone", "milestones", ()),  # no title, no day
            ("milestone-update", "milestones/10", (("[name=m10-planned_on]", ""),)),
            ("link", "links", (("[name=link-target_id]", "999999"),)),
        )
    ),
    Page("project-new", "/projects/new", as_role="non_resident"),
    Page(
        "project-new-errors",
        "/projects/new",
        status=422,
        as_role="non_resident",
        submit=Submit("/projects/new"),  # nothing filled in
    ),
    Page("project-edit", "/projects/5/edit", as_role="non_resident"),
    Page(
        "project-edit-errors",
        "/projects/5/edit",
        status=422,
        as_role="non_resident",
        submit=Submit("/projects/5/edit", fill=(("[name=title]", ""),)),
    ),
    Page("project-import", "/projects/import", as_role="non_resident"),
    Page(
        "project-import-errors",
        "/projects/import",
        status=422,
        as_role="non_resident",
        submit=Submit("/projects/import"),  # no file chosen
    ),
    Page("commitments", "/projects/commitments"),
    Page("commitments-late", "/projects/commitments?state=late"),
    Page("commitments-bad-filter", "/projects/commitments?state=lost", status=400),
    Page("reply-commitments-official", "/replies/1", as_role="official"),
    Page(
        "reply-commitment-errors",
        "/replies/1",
        status=422,
        as_role="official",
        submit=Submit("/projects/commitments/for-reply/1"),  # nothing filled in
    ),
    Page(
        "reply-commitment-close-errors",
        "/replies/1",
        status=422,
        as_role="official",
        submit=Submit("/projects/commitments/2/close"),  # kept, but on no day
    ),
    # Open data (the live server has not dumped: every file is "not generated yet")
    Page("open-data", "/open-data"),
    Page("open-data-not-yet", "/open-data/initiatives.csv", status=404),
]
