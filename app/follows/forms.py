"""Following a topic or a local community, which have no page of their own to follow from."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.core.forms import Form, SelectChoice
from app.extensions import db
from app.follows.models import Target
from app.reference.models import LocalCommunity, Topic


class FollowPlaceForm(Form):
    """Two lists, each starting with an empty choice; at least one must be chosen."""

    topic = SelectField(
        _l("Topic"),
        description=_l("New initiatives and questions on it, and the answers to them."),
        validate_choice=False,  # checked below, with a message of ours
    )
    community = SelectField(
        _l("Local community"),
        description=_l("New initiatives and questions about it, and the answers to them."),
        validate_choice=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics = db.session.scalars(sa.select(Topic).where(Topic.is_active).order_by(Topic.name_sl))
        communities = db.session.scalars(
            sa.select(LocalCommunity)
            .where(LocalCommunity.is_active)
            .order_by(LocalCommunity.name_sl)
        )
        topic_names = {str(t.id): t.name for t in topics}
        community_names = {str(c.id): c.name for c in communities}
        self._offered = {"topic": set(topic_names), "community": set(community_names)}
        self.topic.choices = [
            SelectChoice("", str(_l("No topic"))),
            *(SelectChoice(key, name) for key, name in topic_names.items()),
        ]
        self.community.choices = [
            SelectChoice("", str(_l("No local community"))),
            *(SelectChoice(key, name) for key, name in community_names.items()),
        ]

    def validate(self, extra_validators: Any = None) -> bool:
        if not super().validate(extra_validators):
            return False
        ok = True
        for field in (self.topic, self.community):
            if field.data and str(field.data) not in self._offered[field.name]:
                field.errors = [str(_l("Choose one from the list."))]
                ok = False
        if ok and not (self.topic.data or self.community.data):
            self.topic.errors = [str(_l("Choose a topic or a local community."))]
            ok = False
        return ok

    def chosen(self) -> list[tuple[Target, int]]:
        picked: list[tuple[Target, int]] = []
        if self.topic.data:
            picked.append((Target.TOPIC, int(self.topic.data)))
        if self.community.data:
            picked.append((Target.COMMUNITY, int(self.community.data)))
        return picked
