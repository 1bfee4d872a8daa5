"""Formal replies: the municipality's signed reply letters.

The letter (``models``), its workflow in the issuing unit (``services``, ``permissions``), the
import of existing letters (``letters``, ``pdftext``, ``importer``), the public letter and
its verification (``views``, ``verification``), and the accountability figures.

Its views are imported when the app registers the blueprint (``app.register_blueprints``):
other packages import its models, and the views import theirs.
"""

from flask import Blueprint

bp = Blueprint("replies", __name__, url_prefix="/replies")
