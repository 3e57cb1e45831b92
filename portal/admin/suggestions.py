"""Suggestions from the satisfaction survey: staff of the unit's OPD read them and decide which
may be shown publicly (none is public before that)."""

from flask import flash, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import HiddenField
from wtforms.validators import AnyOf

from .. import htmx
from ..auth.access import require_opd
from ..errors import bad_request
from ..extensions import db
from ..forms import PortalForm
from ..models import Opd, SurveyResponse
from ..models.survey import SUGGESTION_STATES
from ..params import choice_arg, int_arg, slug_arg
from ..survey import service
from ..survey.words import SUGGESTION_STATE_LABELS
from .views import bp

PER_PAGE = 30


class ModerateForm(PortalForm):
    state = HiddenField(validators=[AnyOf(SUGGESTION_STATES)])


@bp.get("/saran")
@login_required
def suggestions():
    """Survey suggestions of the staff member's OPD (every OPD for city admins), by moderation state."""
    state = choice_arg("status", list(SUGGESTION_STATES), _("status")) or "pending"
    opd = slug_arg("opd", Opd, _("agency (OPD)")) if current_user.is_city_admin else current_user.opd
    page = db.paginate(service.suggestion_query(opd.id if opd else None, state),
                       page=int_arg("halaman", 1, 1, 100_000), per_page=PER_PAGE, error_out=False)
    opds = db.session.scalars(db.select(Opd).order_by(Opd.short_name)).all() if current_user.is_city_admin else []
    return htmx.render("admin/suggestions.html", "results", page=page, answers=page.items, state=state, opd=opd,
                       opds=opds, states=SUGGESTION_STATES, form=ModerateForm(formdata=None))


@bp.post("/saran/<int:answer_id>")
@login_required
def suggestion_moderate(answer_id: int):
    """Show a suggestion publicly, hide it, or put it back to waiting."""
    answer = db.get_or_404(SurveyResponse, answer_id)
    require_opd(answer.opd_id)
    form = ModerateForm()
    if not form.validate() or answer.suggestion is None:
        bad_request(_("Choose whether to show or hide the suggestion."))
    service.moderate(answer, form.state.data)
    db.session.commit()
    flash(_("The suggestion is now: %(state)s.", state=str(SUGGESTION_STATE_LABELS[form.state.data])), "success")
    return htmx.redirect(url_for("admin.suggestions", status=form.state.data))
