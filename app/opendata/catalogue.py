"""The DCAT-AP 3 catalogue of the open data, for harvesters (OPSI's CKAN, data.europa.eu).

Built with rdflib from the registry, the configuration and the dump's manifest (never the
database), and served as Turtle, RDF/XML and JSON-LD: one graph, three syntaxes. What it
covers of DCAT-AP 3.0, class by class, is listed in docs/open-data.md.

Subjects are IRIs under the catalogue's own address (``…/open-data/catalog#initiatives``), so
the graph has no blank nodes: the same on every request, and a harvester can tell the
datasets of two municipalities running Glas apart. Terms of the EU's controlled vocabularies
(languages, frequency, file type, data theme, licences) are typed with the classes DCAT-AP
gives as their range, so a validator without the vocabularies loaded still finds them right.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, RDFS, SKOS, XSD

from app.core.urls import mailto_address, public_url_for
from app.opendata.datasets import DATA_THEME, GOVERNMENT, Dataset, all_datasets
from app.opendata.dumps import Entry, Manifest
from app.opendata.syntaxes import API_DESCRIPTION, API_ROOT

SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")  # rdflib has it, but untyped
DCATAP = Namespace("http://data.europa.eu/r5r/")
_EU = "http://publications.europa.eu/resource/authority/"
#: The EU's language authority, for the languages Glas speaks.
LANGUAGES = {"sl": URIRef(_EU + "language/SLV"), "en": URIRef(_EU + "language/ENG")}
DAILY = URIRef(_EU + "frequency/DAILY")
CSV = URIRef(_EU + "file-type/CSV")
TEXT_CSV = URIRef("https://www.iana.org/assignments/media-types/text/csv")
PUBLIC = URIRef(_EU + "access-right/PUBLIC")
AVAILABLE = URIRef(_EU + "planned-availability/AVAILABLE")
LOCAL_AUTHORITY = URIRef("http://purl.org/adms/publishertype/LocalAuthority")
ATTRIBUTION = URIRef("http://purl.org/adms/licencetype/Attribution")
OPENAPI = URIRef("https://spec.openapis.org/oas/v3.1.0")

#: Licences in the EU's licence authority, by the URL of their legal text (with or without
#: the trailing slash): harvesters, and data.europa.eu's quality score, recognise these.
_EU_LICENCES = {
    "https://creativecommons.org/licenses/by/4.0": "CC_BY_4_0",
    "https://creativecommons.org/licenses/by-sa/4.0": "CC_BY_SA_4_0",
    "https://creativecommons.org/publicdomain/zero/1.0": "CC0",
}
#: The labels the EU vocabularies themselves give (not Glas's words, so not translated).
_THEME_LABELS = {"sl": "Vlada in javni sektor", "en": "Government and public sector"}

_PREFIXES = {
    "dcat": DCAT,
    "dct": DCTERMS,
    "foaf": FOAF,
    "vcard": VCARD,
    "skos": SKOS,
    "spdx": SPDX,
    "dcatap": DCATAP,
    "xsd": XSD,
}


#: The language Glas's messages are written in (the catalogues translate from it).
SOURCE_LANGUAGE = "en"


def _in_each_language(text: Callable[[], str]) -> list[Literal]:
    """The text in every language of the site, each tagged with its language.

    A language whose catalogue does not translate the text yet is left out, rather than the
    English text being tagged as Slovenian: a portal shows the English until it is.
    """
    with force_locale(SOURCE_LANGUAGE):
        source = text()
    literals = [Literal(source, lang=SOURCE_LANGUAGE)]
    for language in current_app.config["LANGUAGES"]:
        if language != SOURCE_LANGUAGE:
            with force_locale(language):
                translated = text()
            if translated != source:
                literals.append(Literal(translated, lang=language))
    return literals


def _when(moment: datetime) -> Literal:
    return Literal(moment.isoformat(), datatype=XSD.dateTime)


def licence() -> URIRef:
    """The licence's IRI: the EU's for a licence it knows, else the configured URL."""
    url = current_app.config["OPEN_DATA_LICENCE_URL"]
    known = _EU_LICENCES.get(url.rstrip("/"))
    return URIRef(_EU + "licence/" + known) if known else URIRef(url)


class _Builder:
    """Adds the catalogue's statements to one graph (a class to keep the shared nodes)."""

    def __init__(self, manifest: Manifest) -> None:
        config = current_app.config
        self.manifest = manifest
        self.graph = Graph()
        for prefix, namespace in _PREFIXES.items():
            self.graph.bind(prefix, namespace)
        self.catalog = URIRef(public_url_for("opendata.catalog"))
        self.publisher = URIRef(f"{self.catalog}#publisher")
        self.contact = URIRef(f"{self.catalog}#contact-point")
        self.service = URIRef(f"{self.catalog}#api")
        self.licence = licence()
        self.organisation = str(config["ORGANISATION_NAME"])
        self.page = URIRef(public_url_for("opendata.index"))

    def add(self, subject: URIRef, predicate: URIRef, *objects: URIRef | Literal) -> None:
        for value in objects:
            self.graph.add((subject, predicate, value))

    def vocabulary(self) -> None:
        """The terms used, typed with the class DCAT-AP expects of each property's value."""
        add, types = self.add, RDF.type
        for language in LANGUAGES.values():
            add(language, types, DCTERMS.LinguisticSystem)
        add(DAILY, types, DCTERMS.Frequency)
        add(CSV, types, DCTERMS.MediaTypeOrExtent)
        add(TEXT_CSV, types, DCTERMS.MediaType)
        add(PUBLIC, types, DCTERMS.RightsStatement)
        add(AVAILABLE, types, SKOS.Concept)
        add(AVAILABLE, SKOS.prefLabel, Literal("Available", lang="en"))
        add(OPENAPI, types, DCTERMS.Standard)
        scheme = URIRef(DATA_THEME)
        add(scheme, types, SKOS.ConceptScheme)
        add(scheme, DCTERMS.title, Literal("Data theme", lang="en"))
        themes = {dataset.theme for dataset in all_datasets()}
        for theme in sorted(themes):
            add(URIRef(theme), types, SKOS.Concept)
            add(URIRef(theme), SKOS.inScheme, scheme)
        add(
            URIRef(GOVERNMENT),
            SKOS.prefLabel,
            *(Literal(label, lang=lang) for lang, label in _THEME_LABELS.items()),
        )
        add(self.licence, types, DCTERMS.LicenseDocument)
        add(self.licence, DCTERMS.title, Literal(current_app.config["OPEN_DATA_LICENCE"]))
        if self.licence != URIRef(current_app.config["OPEN_DATA_LICENCE_URL"]):
            add(self.licence, RDFS.seeAlso, URIRef(current_app.config["OPEN_DATA_LICENCE_URL"]))
        if str(self.licence).startswith(_EU + "licence/CC_BY"):
            add(self.licence, DCTERMS.type, ATTRIBUTION)

    def agents(self) -> None:
        config = current_app.config
        add = self.add
        add(self.publisher, RDF.type, FOAF.Agent, FOAF.Organization)
        add(self.publisher, FOAF.name, Literal(self.organisation))
        add(self.publisher, DCTERMS.type, LOCAL_AUTHORITY)
        add(self.contact, RDF.type, VCARD.Kind, VCARD.Organization)
        add(self.contact, VCARD.fn, Literal(self.organisation))
        email = mailto_address(config["ORGANISATION_EMAIL"])
        if email:
            add(self.contact, VCARD.hasEmail, URIRef(email))

    def catalogue(self) -> None:
        add, catalog = self.add, self.catalog
        organisation = self.organisation
        add(catalog, RDF.type, DCAT.Catalog)
        add(
            catalog,
            DCTERMS.title,
            *_in_each_language(lambda: _("Open data of %(org)s on Glas", org=organisation)),
        )
        add(
            catalog,
            DCTERMS.description,
            *_in_each_language(
                lambda: _(
                    "Initiatives, questions, official replies, council sessions, councillors "
                    "and the figures of accountability published on Glas, the e-participation "
                    "site of %(org)s: daily CSV files and a read-only JSON API.",
                    org=organisation,
                )
            ),
        )
        add(catalog, DCTERMS.publisher, self.publisher)
        add(catalog, DCTERMS.language, *LANGUAGES.values())
        add(catalog, DCTERMS.license, self.licence)
        home = URIRef(public_url_for("pages.home"))
        add(catalog, FOAF.homepage, home)
        add(home, RDF.type, FOAF.Document)
        add(catalog, DCAT.themeTaxonomy, URIRef(DATA_THEME))
        if self.manifest.modified is not None:
            add(catalog, DCTERMS.modified, _when(self.manifest.modified))
        add(catalog, DCAT.service, self.service)

    def dataset(self, dataset: Dataset) -> URIRef:
        add = self.add
        node = URIRef(f"{self.catalog}#{dataset.id}")
        entry = self.manifest.entries.get(dataset.id)
        add(self.catalog, DCAT.dataset, node)
        add(node, RDF.type, DCAT.Dataset)
        # The IRI as identifier: unique across every portal that harvests several towns' Glas.
        add(node, DCTERMS.identifier, Literal(str(node)))
        add(node, DCTERMS.title, *_in_each_language(lambda: str(dataset.title)))
        add(node, DCTERMS.description, *_in_each_language(lambda: str(dataset.description)))
        for keyword in dataset.keywords:
            add(node, DCAT.keyword, *_in_each_language(partial(str, keyword)))
        add(node, DCAT.theme, URIRef(dataset.theme))
        add(node, DCTERMS.accrualPeriodicity, DAILY)
        add(node, DCAT.contactPoint, self.contact)
        add(node, DCTERMS.publisher, self.publisher)
        add(node, DCTERMS.language, LANGUAGES["sl"])  # what residents and officials write
        add(node, DCTERMS.accessRights, PUBLIC)
        landing = URIRef(public_url_for(dataset.landing_endpoint))
        add(node, DCAT.landingPage, landing)
        add(landing, RDF.type, FOAF.Document)
        if entry is not None:
            add(node, DCTERMS.modified, _when(entry.generated_at))
        add(node, DCAT.distribution, self.distribution(dataset, node, entry))
        return node

    def distribution(self, dataset: Dataset, node: URIRef, entry: Entry | None) -> URIRef:
        add = self.add
        item = URIRef(f"{node}-csv")
        add(item, RDF.type, DCAT.Distribution)
        add(
            item,
            DCTERMS.title,
            *_in_each_language(lambda: _("%(dataset)s (CSV)", dataset=dataset.title)),
        )
        add(
            item,
            DCTERMS.description,
            *_in_each_language(
                lambda: _(
                    "The whole dataset in one CSV file, made anew every day: UTF-8 with a "
                    "byte-order mark, comma-separated, the first row names the columns."
                )
            ),
        )
        add(item, DCTERMS.format, CSV)
        add(item, DCAT.mediaType, TEXT_CSV)
        add(item, DCTERMS.license, self.licence)
        add(item, DCATAP.availability, AVAILABLE)
        if entry is None:
            # Not dumped yet: the page that says so, rather than a download that would 404.
            add(item, DCAT.accessURL, self.page)
            return item
        download = URIRef(public_url_for("opendata.file", name=dataset.file))
        add(item, DCAT.accessURL, download)
        add(item, DCAT.downloadURL, download)
        add(item, DCAT.byteSize, Literal(entry.bytes, datatype=XSD.nonNegativeInteger))
        add(item, DCTERMS.modified, _when(entry.generated_at))
        checksum = URIRef(f"{item}-sha256")
        add(item, SPDX.checksum, checksum)
        add(checksum, RDF.type, SPDX.Checksum)
        add(checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256)
        add(checksum, SPDX.checksumValue, Literal(entry.sha256, datatype=XSD.hexBinary))
        return item

    def data_service(self, datasets: list[URIRef]) -> None:
        add, service = self.add, self.service
        public = current_app.config["PUBLIC_URL"]
        add(service, RDF.type, DCAT.DataService)
        add(service, DCTERMS.title, *_in_each_language(lambda: _("Glas open-data API")))
        add(
            service,
            DCTERMS.description,
            *_in_each_language(
                lambda: _(
                    "A read-only JSON API over the same public data, with filters and cursor "
                    "pagination, described by an OpenAPI 3.1 document."
                )
            ),
        )
        add(service, DCAT.endpointURL, URIRef(public + API_ROOT))
        add(service, DCAT.endpointDescription, URIRef(public + API_DESCRIPTION))
        add(service, DCTERMS.conformsTo, OPENAPI)
        add(service, DCAT.servesDataset, *datasets)
        add(service, DCTERMS.license, self.licence)
        add(service, DCTERMS.accessRights, PUBLIC)
        add(service, DCTERMS.publisher, self.publisher)
        add(service, DCAT.contactPoint, self.contact)
        add(service, DCAT.landingPage, self.page)


def build(manifest: Manifest) -> Graph:
    """The catalogue as a graph: the registry's datasets, with what the manifest says of each."""
    builder = _Builder(manifest)
    builder.vocabulary()
    builder.agents()
    builder.catalogue()
    datasets = [builder.dataset(dataset) for dataset in all_datasets()]
    builder.data_service(datasets)
    return builder.graph


def serialise(graph: Graph, syntax: str) -> bytes:
    """The graph in one of ``MEDIA_TYPES``' syntaxes, as UTF-8."""
    if syntax == "json-ld":
        context = {prefix: str(namespace) for prefix, namespace in _PREFIXES.items()}
        return graph.serialize(format="json-ld", context=context, indent=2, encoding="utf-8")
    return graph.serialize(format=syntax, encoding="utf-8")
