from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from tickets.forms import add_service_errors

from ..forms import CriterionFormSet, NewDraftForm, RubricForm
from ..models import Market, RubricStatus
from ..rubrics import rubric_create_draft, rubric_publish, rubric_save
from ..selectors import is_admin, rubric_get_for, rubric_list
from .common import service_errors


def _require_admin(user):
    if not is_admin(user):
        raise Http404


@login_required
def rubric_index(request):
    rubrics = rubric_list(request.user)
    if not request.user.has_perm("helpdesk.use_app"):
        raise Http404
    context = {"rubrics": rubrics, "markets": Market.objects.all(), "is_admin": is_admin(request.user)}
    if is_admin(request.user):
        context["new_form"] = NewDraftForm(markets=Market.objects.all())
    return render(request, "qa/rubrics.html", context)


@login_required
def rubric_detail(request, pk):
    rubric = rubric_get_for(request.user, pk)
    return render(request, "qa/rubric_detail.html", {"rubric": rubric, "is_admin": is_admin(request.user)})


@login_required
@require_POST
def rubric_new(request):
    _require_admin(request.user)
    form = NewDraftForm(request.POST, markets=Market.objects.all())
    if not form.is_valid():
        messages.error(request, "Choose a market.")
        return redirect("qa-rubrics")
    rubric = rubric_create_draft(market=form.cleaned_data["market"], actor=request.user)
    return redirect("qa-rubric-edit", pk=rubric.pk)


@login_required
def rubric_edit(request, pk):
    """Admins edit a draft's criteria with a live preview of the weighted total (qa/rubric-preview.js)."""
    _require_admin(request.user)
    rubric = rubric_get_for(request.user, pk)
    if rubric.status != RubricStatus.DRAFT:
        messages.error(request, "Published and retired versions do not change; create a new draft.")
        return redirect("qa-rubric", pk=rubric.pk)
    initial = [
        {
            "name": c.name,
            "weight": c.weight,
            "scale": c.scale,
            "point_descriptions": "\n".join(c.point_descriptions),
            "auto_fail": c.auto_fail,
        }
        for c in rubric.criteria.all()
    ]
    form = RubricForm(request.POST or None, initial={"name": rubric.name})
    formset = CriterionFormSet(request.POST or None, initial=initial, prefix="criteria")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        kept = [f for f in formset.forms if f not in formset.deleted_forms and f.cleaned_data.get("name")]
        try:
            rubric_save(
                rubric=rubric, name=form.cleaned_data["name"], criteria=[f.values() for f in kept], actor=request.user
            )
            if "publish" in request.POST:
                rubric_publish(rubric=rubric, actor=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Published." if "publish" in request.POST else "Draft saved.")
            return redirect("qa-rubric" if "publish" in request.POST else "qa-rubric-edit", pk=rubric.pk)
    return render(request, "qa/rubric_edit.html", {"rubric": rubric, "form": form, "formset": formset})


@login_required
@require_POST
def rubric_publish_view(request, pk):
    _require_admin(request.user)
    rubric = rubric_get_for(request.user, pk)
    try:
        rubric_publish(rubric=rubric, actor=request.user)
    except ValidationError as exc:
        service_errors(request, exc)
    else:
        messages.success(request, f"{rubric} published; new reviews of its market use it.")
    return redirect("qa-rubric", pk=rubric.pk)
