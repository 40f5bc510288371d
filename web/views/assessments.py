"""Advisors record and edit absorptive-capacity assessments of a firm (confidential: advisors and above).

``GET /org/<orgnr>/assessments`` lists a firm's assessments, ``GET /org/<orgnr>/assessments/new`` shows the
form and ``POST /org/<orgnr>/assessments`` records one; ``GET /assessment/<id>`` shows one with its edit
history, ``GET /assessment/<id>/edit`` the form filled in and ``POST /assessment/<id>`` saves an edit. Every
page has its JSON twin; a POST takes the form's fields (or the same keys as JSON) and the CSRF token.
The form's buttons save a draft (items may stay open) or a final assessment (every item answered); every
item is validated against the instrument (:func:`klynge.assessments.validate`) and each bad field is
named. An edit names the revision it started from: when someone saved in between, it is refused (409)
and nothing is lost. Every view and change is audited (:mod:`web.confidential`).
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from cypher import assessments as store_assessments
from cypher.assessments import AssessmentConflict, AssessmentNotFound
from klynge import assessments
from klynge.assessments import AssessmentInvalid
from web import auth, confidential, i18n, params
from web.errors import wants_json
from web.routes import page, respond
from web.stores import get_store
from web.views.org import load_root

bp = Blueprint("assessments", __name__)

ERRORS = (400, 401, 403, 404)
#: Words of the pages for the stored codes (status of an assessment, action of a revision).
WORDS = {"draft": _l("draft"), "final": _l("final"), "create": _l("recorded"), "update": _l("edited"),
         "import": _l("imported")}


@bp.app_context_processor
def _words() -> dict[str, Any]:
    return {"assessment_word": lambda code: str(WORDS.get(code, code))}


def _org(orgnr: str) -> dict[str, Any]:
    return load_root(get_store(), orgnr)


def _load(assessment_id: str) -> dict[str, Any]:
    err = assessments.check_id(assessment_id)
    if err:
        raise params.not_found(_("No assessment %(id)s: %(error)s.", id=repr(assessment_id), error=i18n.say(err)))
    row = store_assessments.get(get_store(), assessment_id)
    if row is None:
        raise params.not_found(_("No assessment %(id)s is in the graph.", id=assessment_id),
                               _("It may have been removed with its organisation; see the firm's assessments."))
    return row


def _instrument_of(row: dict[str, Any] | None = None) -> assessments.Instrument:
    return assessments.instrument(row.get("instrument_version") if row else None)


def _form_values(row: dict[str, Any] | None = None) -> dict[str, Any]:
    """The form's values: from a stored assessment, or the defaults of a new one."""
    if row is None:
        return {"interview_date": _dt.date.today().isoformat(), "advisor": auth.current_username() or "",
                "status": "draft"}
    return {"interview_date": row["interview_date"], "advisor": row["advisor"], "status": row["status"],
            **{k: v for k, v in row["answers_by_item"].items() if v is not None},
            **{t: row.get(t) or "" for t in assessments.THEMES}}


def _posted() -> dict[str, Any]:
    """The submitted fields: form fields, or a JSON object with the same keys."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            from flask import abort

            abort(400, description=_("The body must be a JSON object with the form's fields."))
        return body
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


def _form(org: dict[str, Any], values: dict[str, Any], *, status: int = 200, errors: dict[str, str] | None = None,
          assessment: dict[str, Any] | None = None, message: str | None = None):
    inst = _instrument_of(assessment)
    errors = {k: i18n.say(v) for k, v in (errors or {}).items()}  # in the page's language
    message = i18n.say(message) if message else message
    data = {"organization": org, "instrument": inst.as_dict(), "values": values, "errors": errors or {},
            "assessment": assessment, "message": message,
            "action": f"/assessment/{assessment['assessment_id']}" if assessment
            else f"/org/{org['orgnr']}/assessments"}
    if wants_json():
        if errors or message:
            body = {"ok": False, "error": message or _("Some answers do not fit the instrument: %(fields)s",
                                                       fields="; ".join(f"{k}: {v}" for k, v in (errors or {}).items())),
                    "status": status, "fields": errors or {}}
            if assessment:
                body["current"] = assessment
            return jsonify(body), status
        return jsonify({"ok": True, **data}), status
    return render_template("assessment_form.html", **data), status


@page(bp, "/org/<orgnr>/assessments", summary="A firm's absorptive-capacity assessments (advisors only)",
      tag="assessments", errors=ERRORS,
      result={"organization": "orgnr, name", "assessments": "newest interview first: assessment_id, interview_date, "
              "advisor, status, the four dimension scores and acap, revision", "latest_final": "the one the profile "
              "shows"})
def for_org(orgnr: str):
    """Every assessment of the organisation (drafts included), newest interview first, with the four dimension
    scores and the overall score. Confidential: advisors and above; every view is audited."""
    confidential.require("view", f"org:{orgnr}")  # the role first: nothing is read for a refused user
    orgnr = params.orgnr(orgnr)
    org = _org(orgnr)
    rows = store_assessments.for_organization(get_store(), orgnr)
    confidential.record("view", f"org:{orgnr}", f"assessments of {orgnr} listed", rows=len(rows))
    return respond("assessments.html", {"organization": org, "assessments": rows,
                                        "latest_final": store_assessments.latest_final(rows),
                                        "dimensions": list(assessments.DIMENSIONS)})


@page(bp, "/org/<orgnr>/assessments/new", summary="The form for a new assessment (advisors only)",
      tag="assessments", errors=ERRORS,
      result={"instrument": "the items, scale and themes", "values": "the form's defaults", "action": "where to POST"})
def new(orgnr: str):
    """The assessment form for the organisation: the instrument's items on its 7-point scale, the interview
    themes, the interview date and the advisor. POST the fields to `action` with the CSRF token."""
    confidential.require("view", f"org:{orgnr}")  # the role first: nothing is read for a refused user
    orgnr = params.orgnr(orgnr)
    return _form(_org(orgnr), _form_values())


@bp.post("/org/<orgnr>/assessments")
def create(orgnr: str):
    """Record a new assessment: 303 to it (HTML) or 201 with it (JSON); 400 naming every bad field."""
    confidential.require("create", f"org:{orgnr}")
    orgnr = params.orgnr(orgnr)
    org = _org(orgnr)
    values = _posted()
    try:
        answers = assessments.validate(values, version=None)
    except AssessmentInvalid as exc:
        confidential.record("create", f"org:{orgnr}", f"new assessment of {orgnr} not saved: bad fields",
                            outcome="error", message=", ".join(exc.errors))
        return _form(org, values, status=400, errors=exc.errors)
    try:
        row = store_assessments.record(get_store(), orgnr, answers, username=auth.current_username(),
                                       role=auth.current_role())
    except AssessmentNotFound as exc:
        raise NotFound(description=str(exc)) from exc
    return _saved("create", row, f"assessment of {orgnr} recorded ({row['status']})", 201)


def _saved(action: str, row: dict[str, Any], description: str, status: int):
    """Audit a saved assessment, then 303 to its page (HTML) or ``status`` with it (JSON)."""
    confidential.record(action, f"assessment:{row['assessment_id']}", description, rows=1)
    if wants_json() or request.is_json:
        return jsonify({"ok": True, "assessment": row}), status
    return redirect(f"/assessment/{row['assessment_id']}", code=303)


@page(bp, "/assessment/<assessment_id>", summary="One assessment with its edit history (advisors only)",
      tag="assessments", errors=ERRORS,
      result={"assessment": "every field: answers per item, scores, themes, status, revision",
              "history": "newest first: revision, at (UTC), username, role, action, changes {field: [before, after]}",
              "instrument": "the items and scale of the assessment's instrument version"})
def show(assessment_id: str):
    """An assessment: interview date, advisor, status, every answer with its item, the dimension scores, the
    interview themes and the edit history (who changed what, when). Confidential; every view is audited."""
    confidential.require("view", f"assessment:{assessment_id}")
    row = _load(assessment_id)
    hist = store_assessments.history(get_store(), assessment_id)
    confidential.record("view", f"assessment:{assessment_id}", f"assessment of {row['orgnr']} shown", rows=1)
    return respond("assessment.html", {"assessment": row, "history": hist,
                                       "instrument": _instrument_of(row).as_dict(),
                                       "organization": {"orgnr": row["orgnr"], "name": row["organization_name"]}})


@page(bp, "/assessment/<assessment_id>/edit", summary="The form filled in with an assessment (advisors only)",
      tag="assessments", errors=ERRORS,
      result={"values": "the stored answers", "assessment": "the stored assessment (its revision is sent back)"})
def edit_form(assessment_id: str):
    """The assessment form with the stored answers; POST it to `action` with `revision` (the revision it shows)."""
    confidential.require("view", f"assessment:{assessment_id}")
    row = _load(assessment_id)
    confidential.record("view", f"assessment:{assessment_id}", f"assessment of {row['orgnr']} opened for editing",
                        rows=1)
    return _form({"orgnr": row["orgnr"], "name": row["organization_name"]}, _form_values(row), assessment=row)


@bp.post("/assessment/<assessment_id>")
def update(assessment_id: str):
    """Save an edit made on revision `revision`: 303 to the assessment (HTML) or 200 with it (JSON); 400 naming
    every bad field; 409 when someone saved another revision meanwhile."""
    confidential.require("update", f"assessment:{assessment_id}")
    row = _load(assessment_id)
    org = {"orgnr": row["orgnr"], "name": row["organization_name"]}
    values = _posted()
    try:
        revision = int(values.get("revision"))
    except (TypeError, ValueError):
        return _form(org, values, status=400, assessment=row,
                     errors={"revision": _("the revision the edit started from is missing; open the form again")})
    try:
        answers = assessments.validate(values, version=row["instrument_version"])
    except AssessmentInvalid as exc:
        confidential.record("update", f"assessment:{assessment_id}", "edit not saved: bad fields", outcome="error",
                            message=", ".join(exc.errors))
        return _form(org, values, status=400, errors=exc.errors, assessment=row)
    try:
        saved = store_assessments.edit(get_store(), assessment_id, answers, revision=revision,
                                       username=auth.current_username(), role=auth.current_role())
    except AssessmentConflict as exc:
        confidential.record("update", f"assessment:{assessment_id}", "edit not saved: changed meanwhile",
                            outcome="refused", message=str(exc))
        return _form(org, values, status=409, assessment=exc.current or row, message=exc.args[0])
    except AssessmentNotFound as exc:
        raise NotFound(description=str(exc)) from exc
    return _saved("update", saved, f"assessment of {row['orgnr']} saved as revision {saved['revision']}", 200)


def profile_card(orgnr: str) -> dict[str, Any]:
    """What the organisation's profile shows an advisor: the latest final assessment's scores, date and advisor,
    how many assessments and drafts there are, and the links (audited as a view)."""
    rows = store_assessments.for_organization(get_store(), orgnr)
    latest = store_assessments.latest_final(rows)
    confidential.record("view", f"org:{orgnr}", f"profile of {orgnr} with its latest assessment", rows=len(rows))
    keep = ("assessment_id", "interview_date", "advisor", *assessments.DIMENSIONS, assessments.OVERALL)
    return {"latest": {k: latest.get(k) for k in keep} if latest else None, "count": len(rows),
            "drafts": sum(1 for r in rows if r.get("status") == "draft"),
            "list_url": f"/org/{orgnr}/assessments", "new_url": f"/org/{orgnr}/assessments/new"}
