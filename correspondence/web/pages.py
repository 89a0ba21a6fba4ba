"""The pages. Every action is a form that posts and redirects (no JavaScript needed)."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import Flask, abort, flash, g, get_flashed_messages, redirect, render_template, request, send_file

from correspondence.service import accounts, audit
from correspondence.web import security, views
from correspondence.web.views import NotFound

DIARY_PAGE = 100  # letters on a page of the diary

log = logging.getLogger("correspondence.web")


def register(app: Flask, state) -> None:
    settings = state.settings

    def outbox():
        return settings.outbox

    # ------------------------------------------------------------------ signing in and out

    @app.route("/login", methods=["GET", "POST"])
    def login():
        target = security.safe_next(request.values.get("next"))
        if g.user is not None and request.method == "GET":
            return redirect(target, code=303)
        errors = {}
        name = ""
        if request.method == "POST":
            name = request.form.get("username", "").strip()
            password = request.form.get("password", "")
            if not name:
                errors["username"] = "Enter your user name"
            if not password:
                errors["password"] = "Enter your password"
            if not errors:
                result = accounts.authenticate(outbox(), name, password)
                if result.user is not None:
                    security.sign_in(result.user, security.clock(app))
                    log.info("signed in: %s", result.user.name)
                    return redirect(target, code=303)
                if result.locked:
                    errors["username"] = ("This account is locked after 5 failed sign-ins. Try again in 15 minutes, "
                                          "or ask an administrator to unlock it")
                else:
                    errors["password"] = "The user name or password is not right"
                log.warning("sign-in refused%s", " (account locked)" if result.locked else "")
        expired = request.args.get("reason") == "expired"
        return render_template("login.html", errors=errors, name=name, next=target, expired=expired,
                               title="Sign in"), 200

    @app.post("/logout")
    def logout():
        security.sign_out(app)
        return redirect("/login", code=303)

    # ------------------------------------------------------------------ the diary

    @app.get("/")
    def diary():
        book = state.book()
        d = views.diary(book, outbox(), state.as_of(), settings.templates)
        state.councils_seen = set(d.councils)
        council = request.args.get("council", "")
        area = request.args.get("service_area", "")
        status = request.args.get("status", "")
        q = request.args.get("q", "")
        if council and council not in book.councils:
            council = ""
        if status and status not in views.STATUSES:
            status = ""
        rows = views.filter_rows(d, council, area, status, q) if council or area or status or q else d.rows
        # A page of the diary at a time (a council's diary holds thousands of letters).
        pages = max(1, -(-len(rows) // DIARY_PAGE))
        try:
            page = min(max(1, int(request.args.get("page", "1"))), pages)
        except ValueError:
            page = 1
        shown = rows[(page - 1) * DIARY_PAGE:page * DIARY_PAGE]
        filters = {k: v for k, v in (("q", q), ("council", council), ("service_area", area), ("status", status)) if v}
        councils = d.councils
        return render_template("diary.html", title="Diary", d=d, rows=rows, shown=shown, page=page, pages=pages,
                               first=(page - 1) * DIARY_PAGE + 1, page_link=lambda n: "/?" + urlencode({**filters, "page": n}),
                               counts=views.counts(book, d, settings.inbox, outbox()),
                               council=council, area=area, status=status, q=q, areas=d.service_areas, councils=councils,
                               council_names={c: _council_name(book, c) for c in councils}, nav="diary",
                               as_of=d.as_of, overdue=views.is_overdue,
                               rejected_updates=views.case_store.rejected_updates(outbox()))

    # ------------------------------------------------------------------ one case

    @app.get("/cases/<case_id>")
    def case(case_id: str):
        book = state.book()
        try:
            case = views.load_case(book, outbox(), case_id)
        except NotFound:
            abort(404)
        as_of = state.as_of()
        from correspondence.service.due_index import case_entry
        entry = case_entry(outbox(), case_id, book=book, as_of=as_of, templates=settings.templates)
        result = entry.determination if entry is not None and entry.determination is not None \
            else views.determine_case(book, outbox(), case, as_of)
        result, signed = views.with_signoff(outbox(), case, result)
        filed = views.filed_letters(outbox(), case_id)
        sound = [f for f in filed if not f.problem]
        if len(sound) < len(filed):
            log.warning("case %s: %d letter manifest(s) cannot be read", case_id, len(filed) - len(sound))
        from correspondence.service.format_needs import open_actions
        from correspondence.service.outbox import failed_reports, undated_stem

        failed = failed_reports(outbox(), case_id)
        blocked = {(x.letter, x.stage, x.trigger): views.failed_report(failed[key]) for x in result.pending
                   if (key := (case_id, undated_stem(x.letter, x.stage, x.trigger))) in failed}
        return render_template(
            "case.html", title=f"Case {case_id}", case=case, result=result, summary=views.summary_of(case),
            council_name=_council_name(book, case.council), stage=views.stage_of(case, result),
            timeline=views.timeline(case, sound, audit.changes(outbox(), case_id), views.signoff_events(outbox(), case_id)),
            pending=result.pending, blocked=blocked, signed=signed, filed=[f for f in sound if not f.draft],
            unreadable=[f for f in filed if f.problem],
            actions=open_actions(outbox(), case_id), rejected=views.rejected_update(settings.inbox, outbox(), case_id),
            as_of=as_of, overdue=views.is_overdue, messages=get_flashed_messages(with_categories=True))

    @app.post("/cases/<case_id>/render")
    @security.requires("render")
    def render_letters(case_id: str):
        book = state.book()
        try:
            views.load_case(book, outbox(), case_id)
        except NotFound:
            abort(404)
        outcome = state.intake().render(case_id, g.user.name, state.as_of())
        if outcome.status != "stored":
            flash(" ".join(outcome.sentences), "error")
        else:
            drafted = [x for x in outcome.letters if x["status"] == "draft"]
            issued = [x for x in outcome.letters if x["status"] != "draft"]
            parts = []
            if issued:
                parts.append(f"{len(issued)} letter{'s' if len(issued) != 1 else ''} written")
            if drafted:
                parts.append(f"{len(drafted)} draft{'s' if len(drafted) != 1 else ''} awaiting sign-off")
            if outcome.failed_checks:
                parts.append(f"{len(outcome.failed_checks)} letter{'s' if len(outcome.failed_checks) != 1 else ''} "
                             "failed its checks and was not issued")
            flash((", ".join(parts) or "No letter was due") + ".", "error" if outcome.failed_checks else "success")
        return redirect(f"/cases/{case_id}", code=303)

    @app.post("/cases/<case_id>/actions/<stem>/<int:number>/done")
    @security.requires("mark-done")
    def action_done(case_id: str, stem: str, number: int):
        from correspondence.service.format_needs import ActionError, mark_done

        if not views.safe_case_id(case_id) or not views.safe_stem(stem):
            abort(404)
        try:
            views.load_case(state.book(), outbox(), case_id)
            done = mark_done(outbox(), case_id, stem, number)
        except (NotFound, ActionError):
            abort(404)
        audit.record_change(outbox(), g.user.name, "web", case_id, "action-done", f"{stem} {number}")
        flash(f"Marked done: {done.action}", "success")
        return redirect(f"/cases/{case_id}", code=303)

    # ------------------------------------------------------------------ one letter

    @app.get("/cases/<case_id>/letters/<name>")
    def letter(case_id: str, name: str, errors: dict | None = None, values: dict | None = None):
        fmt = None
        copy = False  # <stem>.copy.pdf, <stem>.copy.docx: the complainant's copy filed with the letter
        stem = name
        for suffix in (f".{views.COPY}.pdf", f".{views.COPY}.docx", ".pdf", ".docx"):
            if name.endswith(suffix):
                fmt, stem, copy = suffix.rsplit(".", 1)[1], name[: -len(suffix)], suffix.count(".") == 2
                break
        try:
            filed, folder = views.filed_letter(outbox(), case_id, stem)
        except NotFound:
            abort(404)
        except views.Unreadable as exc:  # the page says what is wrong with which file
            log.warning("case %s: the manifest of %s cannot be read", case_id, stem)
            return render_template("letter_problem.html", title=f"Letter {stem}, case {case_id}, cannot be shown",
                                   case_id=case_id, stem=stem, problem=str(exc), draft=exc.draft and fmt is None,
                                   errors=errors or {}, messages=get_flashed_messages(with_categories=True))
        if fmt is not None:
            file_name = filed.copy_file(fmt) if copy else filed.file(fmt)  # only a file the manifest names
            handle = views.open_plain(folder / file_name) if file_name is not None else None
            if handle is None:  # not there, or a link (never followed out of the outbox)
                abort(404)
            mimetype = "application/pdf" if fmt == "pdf" else \
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            response = send_file(handle, mimetype=mimetype, as_attachment=fmt == "docx",
                                 download_name=f"{case_id}_{file_name}", max_age=0, conditional=False, etag=False)
            response.headers["Content-Security-Policy"] = security.FILE_CSP
            return response
        book = state.book()
        results, problems, copy_results = views.content_results(book, filed, folder)
        missing = {fmt: name for fmt in ("pdf", "docx") if (name := filed.file(fmt)) and not views.present(folder, name)}
        copies = [(c, results_, {fmt: n for fmt, n in c.files.items() if not views.present(folder, n)})
                  for c, results_ in zip(filed.copies, copy_results)]  # each copy, what is found in it, its files gone
        late = filed.draft and str(filed.manifest.get("due", "9999")) < state.as_of().isoformat()  # a draft past its due date
        return render_template("letter.html", title=f"{_words(filed.letter).capitalize()} letter, case {case_id}",
                               case_id=case_id, filed=filed, results=results, problems=problems, missing=missing, late=late,
                               copies=copies,
                               council_name=_council_name(book, str(filed.manifest.get("council", ""))),
                               messages=get_flashed_messages(with_categories=True), errors=errors or {},
                               values=values or {})

    # ------------------------------------------------------------------ signing off

    def _draft_or_404(case_id: str, stem: str):
        """A draft of the case, or 404; a draft whose manifest cannot be read is still one (approval
        then refuses it with a sentence; it can be returned)."""
        try:
            filed, _ = views.filed_letter(outbox(), case_id, stem)
        except NotFound:
            abort(404)
        except views.Unreadable as exc:
            if not exc.draft:
                abort(404)
            return None
        if not filed.draft:
            abort(404)
        return filed

    def _signoff_today():
        return settings.as_of  # a server working as of a fixed day takes that day for today too

    @app.post("/cases/<case_id>/letters/<stem>/approve")
    @security.requires("sign-off")
    def approve(case_id: str, stem: str):
        _draft_or_404(case_id, stem)
        note = " ".join(request.form.get("note", "").split()) or None
        outcome = state.intake().approve(case_id, stem, g.user.name, note, state.as_of(), _signoff_today())
        if outcome.status != "stored":
            flash(" ".join(outcome.sentences), "error")
            return redirect(f"/cases/{case_id}/letters/{stem}", code=303)
        issued = outcome.letters[0]["stem"]
        flash(f"Approved and filed as {issued}, signed off by {g.user.name}.", "success")
        return redirect(f"/cases/{case_id}/letters/{issued}", code=303)

    @app.post("/cases/<case_id>/letters/<stem>/return")
    @security.requires("sign-off")
    def return_letter(case_id: str, stem: str):
        _draft_or_404(case_id, stem)
        reason = " ".join(request.form.get("reason", "").split())
        if not reason:
            return letter(case_id, stem, errors={"reason": "Enter why the draft is returned"}), 200
        outcome = state.intake().return_draft(case_id, stem, g.user.name, reason)
        if outcome.status != "stored":
            flash(" ".join(outcome.sentences), "error")
            return redirect(f"/cases/{case_id}/letters/{stem}", code=303)
        flash(f"Returned by {g.user.name}: the letter is not drafted again until a newer record arrives.", "success")
        return redirect(f"/cases/{case_id}", code=303)

    # ------------------------------------------------------------------ lists

    @app.get("/drafts")
    def drafts():
        return render_template("drafts.html", title="Drafts awaiting sign-off",
                               drafts=views.drafts(outbox(), as_of=state.as_of()), nav="drafts")

    @app.get("/rejected")
    def rejected():
        return render_template("rejected.html", title="Rejected records", rejected=views.rejected_reports(settings.inbox),
                               stored=lambda cid: views.case_store.stored_path(outbox(), cid).is_file(),
                               nav="rejected")

    # ------------------------------------------------------------------ the report

    @app.get("/report")
    def report():
        quarter = request.args.get("quarter", "").strip()
        error = None
        if quarter:
            from correspondence.reporting.report import Period
            try:
                Period.quarter(quarter)
            except ValueError:
                error = "Enter a quarter like 2026Q3"
        return render_template("report.html", title="Performance report", quarter=quarter, error=error, nav="report",
                               suggestion=_last_quarter(state.as_of()))

    @app.get("/report/document")
    def report_document():
        from correspondence.reporting.outputs import (
            ReportUsageError,
            comparisons_for,
            parse_period,
            render_html,
        )
        from correspondence.reporting.outputs import stored_cases as report_cases
        from correspondence.reporting.report import build_report

        quarter = request.args.get("quarter", "")
        try:
            period = parse_period(None, None, quarter)
        except ReportUsageError:
            abort(404)
        book = state.book()
        problems: list[str] = []
        built = build_report(book, report_cases(book, outbox(), problems), period, None, as_of=state.as_of())
        html = render_html(book, built, settings.templates, False, comparisons_for(book, built), state.as_of())
        response = app.response_class(html, mimetype="text/html")
        response.headers["Content-Security-Policy"] = security.REPORT_CSP
        return response

    # ------------------------------------------------------------------ accounts

    @app.get("/admin/users")
    @security.requires("manage-accounts")
    def admin_users():
        return render_template("admin_users.html", title="Users and API tokens", users=accounts.list_users(outbox()),
                               tokens=accounts.list_tokens(outbox()), roles=accounts.ROLES, nav="admin",
                               errors=g.get("form_errors", {}), values=g.get("form_values", {}),
                               new_token=g.get("new_token"), messages=get_flashed_messages(with_categories=True))

    def _admin_change(action: str, detail: str) -> None:
        audit.record_change(outbox(), g.user.name, "web", None, action, detail)

    @app.post("/admin/users/add")
    @security.requires("manage-accounts")
    def admin_add_user():
        name = request.form.get("new_name", "").strip()
        role = request.form.get("new_role", "")
        password, again = request.form.get("new_password", ""), request.form.get("new_password_again", "")
        errors = {}
        if password != again:
            errors["new_password_again"] = "The two passwords are not the same"
        if not errors:
            try:
                accounts.add_user(outbox(), name, role, password)
            except accounts.AccountError as exc:
                field = "new_password" if "password" in str(exc) else "new_role" if "role" in str(exc) else "new_name"
                errors[field] = _cap(str(exc))
        if errors:
            g.form_errors, g.form_values = errors, {"new_name": name, "new_role": role}
            return admin_users(), 200
        _admin_change("account-added", f"{name} ({role})")
        flash(f"Account {name} added as {role}.", "success")
        return redirect("/admin/users", code=303)

    @app.get("/admin/users/<name>/remove")
    @security.requires("manage-accounts")
    def admin_confirm_remove(name: str):
        """Are you sure? The Remove button's page: the account goes only when its form is sent."""
        if name == g.user.name:
            flash("You cannot remove your own account.", "error")
            return redirect("/admin/users", code=303)
        role = accounts.role_of(outbox(), name)
        if role is None:
            abort(404)
        return _confirm(f"Remove the account {name}?",
                        f"{name} ({role}) will be signed out at once and will no longer be able to sign in. "
                        "The letters they signed off and the changes they made keep their name.",
                        f"/admin/users/{name}/remove", "Remove the account", f"the account {name}")

    @app.get("/admin/tokens/<name>/revoke")
    @security.requires("manage-accounts")
    def admin_confirm_revoke(name: str):
        """Are you sure? The Revoke button's page: the token stops working only when its form is sent."""
        if name not in {t[0] for t in accounts.list_tokens(outbox())}:
            abort(404)
        return _confirm(f"Revoke the API token {name}?",
                        f"The case system that uses the token {name} will be refused from its next request, "
                        "until it is given a new token.",
                        f"/admin/tokens/{name}/revoke", "Revoke the token", f"the token {name}")

    def _confirm(question: str, warning: str, action: str, button: str, thing: str):
        """The page that asks before an account or a token goes: its form posts to ``action``."""
        return render_template("admin_confirm.html", title=question, heading=question, warning=warning,
                               action=action, button=button, thing=thing, nav="admin")

    @app.post("/admin/users/<name>/remove")
    @security.requires("manage-accounts")
    def admin_remove_user(name: str):
        if name == g.user.name:
            flash("You cannot remove your own account.", "error")
            return redirect("/admin/users", code=303)
        try:
            accounts.remove_user(outbox(), name)
        except accounts.AccountError:
            abort(404)
        _admin_change("account-removed", name)
        flash(f"Account {name} removed.", "success")
        return redirect("/admin/users", code=303)

    @app.post("/admin/users/<name>/unlock")
    @security.requires("manage-accounts")
    def admin_unlock(name: str):
        try:
            accounts.unlock(outbox(), name)
        except accounts.AccountError:
            abort(404)
        _admin_change("account-unlocked", name)
        flash(f"Account {name} unlocked.", "success")
        return redirect("/admin/users", code=303)

    @app.post("/admin/tokens/add")
    @security.requires("manage-accounts")
    def admin_add_token():
        name = request.form.get("token_name", "").strip()
        try:
            token = accounts.add_token(outbox(), name)
        except accounts.AccountError as exc:
            g.form_errors, g.form_values = {"token_name": _cap(str(exc))}, {"token_name": name}
            return admin_users(), 200
        _admin_change("token-added", name)
        g.new_token = (name, token)
        return admin_users(), 200

    @app.post("/admin/tokens/<name>/revoke")
    @security.requires("manage-accounts")
    def admin_revoke_token(name: str):
        try:
            accounts.revoke_token(outbox(), name)
        except accounts.AccountError:
            abort(404)
        _admin_change("token-revoked", name)
        flash(f"Token {name} revoked.", "success")
        return redirect("/admin/users", code=303)


def _council_name(book, council: str) -> str:
    try:
        return book.files[council].name
    except KeyError:
        return council


def _words(value: str) -> str:
    return value.replace("_", " ").replace("-", " ")


def _cap(text: str) -> str:
    text = text.rstrip(".")
    return text[:1].upper() + text[1:]


def _last_quarter(day) -> str:
    q = (day.month - 1) // 3
    return f"{day.year - 1}Q4" if q == 0 else f"{day.year}Q{q}"
