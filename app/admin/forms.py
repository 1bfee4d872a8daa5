"""Forms of the administration."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectField
from wtforms.validators import InputRequired, Optional

from app.auth.models import ROLE_LABELS, Role
from app.core.forms import Form


class GrantRoleForm(Form):
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice("", _l("Choose…"))]
        + [SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[InputRequired(message=_l("Choose a role."))],
    )
    org_unit = SelectField(
        _l("Organisational unit (for officials)"), coerce=str, validators=[Optional()]
    )
    person = SelectField(
        _l("Public person record (for councillors)"), coerce=str, validators=[Optional()]
    )

    def role_value(self) -> Role:
        return Role(self.role.data)
