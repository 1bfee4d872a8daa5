"""Checking a copy of a letter on ``/replies/verify``, and the QR code printed beside it.

Anyone holding a PDF said to be the municipality's uploads it, or pastes its SHA-256 printed on
the letter's page, and learns whether it is a published letter, which one, and whether it was
corrected or retracted since. Only public letters are ever confirmed: a letter in the works
(signed or sent but not published) is never found, so the check reveals nothing its page would
not. The pages are read in English.
"""

from __future__ import annotations

import hashlib
import html
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, url_for
from flask.testing import FlaskClient

from app.extensions import db
from app.replies import verification
from app.replies.models import Reply, ReplyState
from tests.replies.factories import Letters, pdf_bytes, pdf_upload
from tests.replies.letters import DUAL, SAMPLE
from tests.replies.pdfs import letter_pdf

_R = ReplyState

YES = "Yes: this is a letter the municipality published."
NO = "No: no letter the municipality published has this fingerprint."


@pytest.fixture
def visitor(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.set_cookie("glas_lang", "en")
    return client


def _plain(response: Any) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def _upload(client: FlaskClient, data: bytes, name: str = "pismo.pdf") -> Any:
    response = client.post(
        "/replies/verify",
        data={"file": (io.BytesIO(data), name, "application/pdf")},
        content_type="multipart/form-data",
    )
    response.get_data()
    response.request.input_stream.close()  # a large body is a temporary file
    return response


def _paste(client: FlaskClient, digest: str) -> Any:
    return client.post("/replies/verify", data={"sha256": digest})


def _publish(app: Flask, letters: Letters, pdf: bytes, to: str = "published", **create: Any) -> int:
    with app.app_context():
        reply = letters.advance(letters.create(**create), to, pdf=pdf)
        db.session.commit()
        return reply.id


def _number(app: Flask, reply_id: int) -> str:
    with app.app_context():
        reply = db.session.get(Reply, reply_id)
        assert reply is not None
        return reply.reference_number


class TestVerify:
    def test_the_form_is_there_for_anyone(self, visitor: FlaskClient) -> None:
        page = visitor.get("/replies/verify")
        assert page.status_code == 200
        assert 'name="sha256"' in page.get_data(as_text=True)
        assert 'name="file"' in page.get_data(as_text=True)

    def test_the_same_pdf_names_the_letter(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        pdf = letter_pdf(SAMPLE).data
        reply_id = _publish(app, letters, pdf)
        response = _upload(visitor, pdf)
        assert response.status_code == 200
        text = _plain(response)
        assert YES in text
        assert _number(app, reply_id) in text
        assert f'href="/replies/{reply_id}"' in response.get_data(as_text=True)
        assert "It has not been corrected or retracted." in text
        assert hashlib.sha256(pdf).hexdigest() in text

    @pytest.mark.parametrize(
        "shape",
        [
            lambda d: d,
            lambda d: d.upper(),
            lambda d: " ".join(d[i : i + 8] for i in range(0, 64, 8)),
            lambda d: f"  {d[:32]}\n{d[32:]}  ",
            lambda d: "\t".join(d[i : i + 4].upper() for i in range(0, 64, 4)),
        ],
        ids=["as_printed", "uppercase", "in_groups", "two_lines", "tabs_uppercase"],
    )
    def test_its_pasted_fingerprint_names_the_letter(
        self,
        app: Flask,
        letters: Letters,
        visitor: FlaskClient,
        shape: Callable[[str], str],
    ) -> None:
        pdf = letter_pdf(SAMPLE).data
        reply_id = _publish(app, letters, pdf)
        response = _paste(visitor, shape(hashlib.sha256(pdf).hexdigest()))
        assert response.status_code == 200
        assert YES in _plain(response)
        assert _number(app, reply_id) in _plain(response)

    def test_a_pdf_changed_by_one_byte_is_not_found(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        pdf = letter_pdf(SAMPLE).data
        reply_id = _publish(app, letters, pdf)
        middle = len(pdf) // 2
        altered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
        assert hashlib.sha256(altered).hexdigest() != hashlib.sha256(pdf).hexdigest()
        response = _upload(visitor, altered)
        assert response.status_code == 200
        assert NO in _plain(response)
        assert _number(app, reply_id) not in _plain(response)
        # One byte added at the end is another document too.
        assert NO in _plain(_upload(visitor, pdf + b"\n"))

    @pytest.mark.parametrize("stage", ["signed", "sent"])
    def test_a_letter_in_the_works_is_never_confirmed(
        self, app: Flask, letters: Letters, visitor: FlaskClient, stage: str
    ) -> None:
        pdf = letter_pdf(DUAL).data
        reply_id = _publish(app, letters, pdf, to=stage)
        with app.app_context():
            reply = db.session.get(Reply, reply_id)
            assert reply is not None
            assert reply.signed_pdf_sha256 == hashlib.sha256(pdf).hexdigest()
        for response in (_upload(visitor, pdf), _paste(visitor, hashlib.sha256(pdf).hexdigest())):
            assert response.status_code == 200
            assert NO in _plain(response)
            assert _number(app, reply_id) not in _plain(response)

    def test_an_annex_of_a_draft_is_never_confirmed(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        from app.replies import services
        from tests.replies.factories import account

        annex = pdf_bytes("Priloga k osnutku")
        with app.app_context():
            reply = letters.create()
            services.add_annex(
                account(letters.drafter), reply, upload=pdf_upload(annex), title="Priloga"
            )
            db.session.commit()
        assert NO in _plain(_upload(visitor, annex))

    def test_an_annex_of_a_published_letter_names_it(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        from app.replies import services
        from tests.replies.factories import account

        annex = pdf_bytes("Priloga k objavljenemu pismu")
        with app.app_context():
            reply = letters.create()
            services.add_annex(
                account(letters.drafter), reply, upload=pdf_upload(annex), title="Priloga"
            )
            letters.advance(reply, "published", pdf=letter_pdf(SAMPLE).data)
            reply_id = reply.id
            db.session.commit()
        response = _upload(visitor, annex)
        assert YES in _plain(response)
        assert _number(app, reply_id) in _plain(response)

    def test_a_corrected_letter_says_so_and_links_the_correction(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        pdf = letter_pdf(SAMPLE).data
        corrected_pdf = pdf_bytes("Popravek pisma")
        reply_id = _publish(app, letters, pdf)
        # Before the correction is published the old letter is the valid one.
        with app.app_context():
            from app.replies import services
            from tests.replies.factories import account

            reply = db.session.get(Reply, reply_id)
            assert reply is not None
            correction = services.start_correction(account(letters.drafter), reply)
            db.session.commit()
            correction_id = correction.id
        assert "It has not been corrected or retracted." in _plain(_upload(visitor, pdf))
        with app.app_context():
            correction = db.session.get(Reply, correction_id)
            assert correction is not None
            letters.advance(correction, "published", pdf=corrected_pdf)
            db.session.commit()
        response = _upload(visitor, pdf)
        assert response.status_code == 200
        text = _plain(response)
        assert YES in text
        assert "It was corrected since." in text
        assert f'href="/replies/{correction_id}"' in response.get_data(as_text=True)
        assert _number(app, correction_id) in text
        # The correction's own PDF names the correction, not corrected.
        own = _upload(visitor, corrected_pdf)
        assert _number(app, correction_id) in _plain(own)

    def test_a_retracted_letter_says_so_with_its_reason(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        pdf = letter_pdf(SAMPLE).data
        _publish(app, letters, pdf, to="retracted")
        text = _plain(_upload(visitor, pdf))
        assert YES in text
        assert "It was retracted since: Pismo je bilo poslano pomotoma." in text

    @pytest.mark.parametrize(
        "digest",
        [
            "xyz",
            "a" * 63,
            "a" * 65,
            "g" * 64,
            "0x" + "a" * 62,
            "é" * 64,
            "a" * 500,
        ],
        ids=["xyz", "63_chars", "65_chars", "not_hex", "prefixed", "non_ascii", "very_long"],
    )
    def test_a_malformed_fingerprint_is_a_422(self, visitor: FlaskClient, digest: str) -> None:
        response = _paste(visitor, digest)
        assert response.status_code == 422
        text = _plain(response)
        assert (
            "A SHA-256 fingerprint is 64 characters 0–9 and a–f." in text
            or "Use at most 64 characters." in text
        )
        assert YES not in text
        assert NO not in text

    def test_neither_file_nor_fingerprint_is_a_422(self, visitor: FlaskClient) -> None:
        for data in ({}, {"sha256": ""}, {"sha256": "   "}):
            response = visitor.post("/replies/verify", data=data)
            assert response.status_code == 422
            assert "Choose the letter's PDF or paste its fingerprint." in _plain(response)

    def test_an_empty_file_is_a_422(self, visitor: FlaskClient) -> None:
        response = _upload(visitor, b"")
        # An empty part with a name: the browser sent a file of nothing.
        assert response.status_code == 422
        assert "The file is empty." in _plain(response) or "Choose the letter's PDF" in _plain(
            response
        )

    def test_a_file_larger_than_any_request_is_a_413(
        self, app: Flask, visitor: FlaskClient
    ) -> None:
        # The request limit (16 MB) is below the check's own (20 MB): Flask's 413 page answers.
        response = _upload(visitor, b"%PDF-1.4\n" + b"0" * app.config["MAX_CONTENT_LENGTH"])
        assert response.status_code == 413
        assert "What you sent is too large" in _plain(response)

    def test_a_file_larger_than_any_letter_is_a_413(
        self, app: Flask, visitor: FlaskClient, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", verification.MAX_BYTES * 2)
        response = _upload(visitor, b"%PDF-1.4\n" + b"0" * verification.MAX_BYTES)
        assert response.status_code == 413
        assert "The file is too large to be a letter of ours." in _plain(response)

    def test_any_file_is_checked_by_its_bytes_only(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        # Not a PDF at all: checked, and not found; nothing is stored.
        response = _upload(visitor, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, name="slika.png")
        assert response.status_code == 200
        assert NO in _plain(response)


class TestQrCode:
    def test_the_qr_code_encodes_the_letters_address(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        reply_id = _publish(app, letters, letter_pdf(SAMPLE).data)
        response = visitor.get(f"/replies/{reply_id}/qr.svg")
        assert response.status_code == 200
        assert response.mimetype == "image/svg+xml"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        svg = response.get_data(as_text=True)
        root = ET.fromstring(svg)  # noqa: S314 (Glas's own output, with no DTD)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.find("{http://www.w3.org/2000/svg}path") is not None
        with app.test_request_context():
            url = url_for("replies.detail", reply_id=reply_id, _external=True)
        assert url == f"http://localhost/replies/{reply_id}"
        assert svg == verification.qr_svg(url)
        # Another letter's code is another picture.
        assert svg != verification.qr_svg(f"http://localhost/replies/{reply_id + 1}")
        # The letter's page shows it, with its address in the alternative text.
        page = visitor.get(f"/replies/{reply_id}").get_data(as_text=True)
        assert f'src="/replies/{reply_id}/qr.svg"' in page

    def test_the_qr_codes_matrix_is_segnos_for_that_address(self, app: Flask) -> None:
        import segno

        url = "http://localhost/replies/7"
        svg = verification.qr_svg(url)
        code = segno.make(url, error="m", micro=False)
        out = io.BytesIO()
        code.save(out, kind="svg", scale=4, border=2, xmldecl=False, title="QR", svgclass=None,
                  lineclass=None)  # fmt: skip
        assert svg == out.getvalue().decode("utf-8")
        root = ET.fromstring(svg)  # noqa: S314 (segno's output, with no DTD)
        size = (code.symbol_size(scale=4, border=2))[0]
        assert root.get("width") == str(size)
        assert code.error == "M"

    @pytest.mark.parametrize("stage", ["draft", "in_review", "signed", "sent"])
    def test_a_letter_not_public_has_no_qr_code(
        self, app: Flask, letters: Letters, visitor: FlaskClient, stage: str
    ) -> None:
        with app.app_context():
            reply_id = letters.make(stage).id
            db.session.commit()
        assert visitor.get(f"/replies/{reply_id}/qr.svg").status_code == 404

    def test_a_corrected_letter_keeps_its_qr_code(
        self, app: Flask, letters: Letters, visitor: FlaskClient
    ) -> None:
        reply_id = _publish(app, letters, letter_pdf(SAMPLE).data, to="corrected")
        assert visitor.get(f"/replies/{reply_id}/qr.svg").status_code == 200

    def test_an_unknown_letter_has_no_qr_code(self, visitor: FlaskClient) -> None:
        assert visitor.get("/replies/99999999/qr.svg").status_code == 404
