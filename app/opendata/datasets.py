"""The registry of open datasets: what ``flask open-data dump`` writes, the page lists and the
catalogue describes.

Each dataset is one CSV file made from public data only, exactly what the site's pages show
(where a list has a CSV export on the site, the dump *is* that export, unfiltered). Adding a
dataset is one call, from the package that owns the data, in a module its views import (so
that the factory, which imports every package's views, registers it)::

    from flask_babel import lazy_gettext as _l

    from app.opendata.datasets import Dataset, register

    register(
        Dataset(
            id="projects",  # the file is projects.csv; never change it once published
            title=_l("Projects"),
            description=_l("The municipality's projects with their traffic light …"),
            keywords=(_l("projects"), _l("traffic light")),
            landing_endpoint="projects.index",
            chunks=lambda: export.csv_chunks(...),  # the CSV's text, header first
        )
    )

``chunks`` is called inside a request context whose host is ``PUBLIC_URL`` (so ``url_for``
works as on the site) and in the site's default language; it yields the file's text piece by
piece, a batch of rows at a time, and must not hold all rows in memory (the dump streams
them to disk). Use ``app.core.csvstream.chunks`` to write it, as the site's exports do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from app.opendata import exports

#: The EU data-theme vocabulary (what dcat:theme takes), and the theme of everything in Glas.
DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme"
GOVERNMENT = f"{DATA_THEME}/GOVE"

#: A dataset's id is its file name without ``.csv``: lower case, digits and hyphens.
_ID = re.compile(r"[a-z][a-z0-9-]{0,39}")


@dataclass(frozen=True)
class Dataset:
    """One open dataset, published as ``<id>.csv``."""

    id: str
    title: LazyString
    description: LazyString
    keywords: tuple[LazyString, ...]
    #: The site's page of the same data (dcat:landingPage), an endpoint without arguments.
    landing_endpoint: str
    #: The CSV's text, header first (see the module's docstring).
    chunks: Callable[[], Iterable[str]]
    theme: str = GOVERNMENT

    @property
    def file(self) -> str:
        return f"{self.id}.csv"


_REGISTRY: dict[str, Dataset] = {}


class DuplicateDataset(Exception):
    """A dataset with this id is already registered."""


def register(dataset: Dataset) -> Dataset:
    """Add a dataset; the files, the page and the catalogue list them in this order."""
    if not _ID.fullmatch(dataset.id):
        raise ValueError(f"dataset id {dataset.id!r}: lower case letters, digits and hyphens")
    if dataset.id in _REGISTRY:
        raise DuplicateDataset(dataset.id)
    _REGISTRY[dataset.id] = dataset
    return dataset


def all_datasets() -> list[Dataset]:
    return list(_REGISTRY.values())


def get(dataset_id: str) -> Dataset | None:
    return _REGISTRY.get(dataset_id)


def by_file(name: str) -> Dataset | None:
    """The dataset whose file this is (``initiatives.csv``), or ``None``: a whitelist."""
    dataset_id, dot, extension = name.rpartition(".")
    if not dot or extension != "csv":
        return None
    return _REGISTRY.get(dataset_id)


# --- the datasets of Glas's own lists -------------------------------------------------------

register(
    Dataset(
        id="initiatives",
        title=_l("Residents' initiatives"),
        description=_l(
            "Every published initiative of the residents: its title and summary, topic, local "
            "community, state, number of supporters and threshold, the dates of each step and "
            "the municipality's response. The author appears by public pseudonym only."
        ),
        keywords=(_l("initiatives"), _l("e-participation"), _l("e-democracy")),
        landing_endpoint="initiatives.index",
        chunks=exports.initiatives,
    )
)
register(
    Dataset(
        id="questions",
        title=_l("Questions to the municipality"),
        description=_l(
            "Residents' questions and councillors' questions and initiatives: who asked (a "
            "councillor by name, a resident by pseudonym), at which council session, the "
            "unit that answers, the due date, whether the answer is overdue, and when it came."
        ),
        keywords=(_l("questions"), _l("city council"), _l("councillors")),
        landing_endpoint="questions.index",
        chunks=exports.questions,
    )
)
register(
    Dataset(
        id="replies",
        title=_l("Official reply letters"),
        description=_l(
            "The published reply letters of the municipality: reference number, date, issuing "
            "and answering units, subject, summary, the questions and initiatives each answers, "
            "and the SHA-256 of the signed PDF."
        ),
        keywords=(_l("replies"), _l("official letters"), _l("accountability")),
        landing_endpoint="replies.index",
        chunks=exports.replies,
    )
)
register(
    Dataset(
        id="sessions",
        title=_l("Council sessions"),
        description=_l(
            "The sessions of the city council: body, term, kind, number, date, public notes, "
            "and how many public questions were posed at each."
        ),
        keywords=(_l("city council"), _l("sessions")),
        landing_endpoint="sessions.index",
        chunks=exports.sessions,
    )
)
register(
    Dataset(
        id="councillors",
        title=_l("Councillors"),
        description=_l(
            "Everyone who has held a seat on the city council: name, the list or party and "
            "councillors' group of their latest seat, their terms, and whether they sit now."
        ),
        keywords=(_l("councillors"), _l("city council")),
        landing_endpoint="council.index",
        chunks=exports.councillors,
    )
)
register(
    Dataset(
        id="accountability-units",
        title=_l("Answers on time, by unit and year"),
        description=_l(
            "For each group of questions, organisational unit and year: answers given, on time "
            "and late, the on-time rate, the median days to reply, and how many are open and "
            "overdue now. The figures of the accountability page."
        ),
        keywords=(_l("accountability"), _l("response times")),
        landing_endpoint="accountability.index",
        chunks=exports.accountability_units,
    )
)
register(
    Dataset(
        id="accountability-councillors",
        title=_l("Answers on time, by councillor"),
        description=_l(
            "For each councillor: questions posed, answers given, on time and late, the "
            "on-time rate, the median days to reply, and how many are open and overdue now."
        ),
        keywords=(_l("accountability"), _l("councillors"), _l("response times")),
        landing_endpoint="accountability.index",
        chunks=exports.accountability_councillors,
    )
)
