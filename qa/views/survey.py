from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from ..forms import SurveyForm
from ..survey_texts import texts_for
from ..surveys import survey_answer, survey_from_token


@never_cache
@csrf_protect
def survey_page(request, token):
    """The customer's survey: no login, the signed link is the key; one answer; nothing after expiry."""
    survey = survey_from_token(token)
    if survey is None:
        return render(request, "qa/survey.html", {"texts": texts_for("en"), "gone": True}, status=404)
    texts = texts_for(survey.language)
    context = {"survey": survey, "texts": texts, "title": texts["title"].format(reference=survey.ticket.reference)}
    if survey.answered_at is not None:
        return render(request, "qa/survey.html", context | {"done": texts["answered"]})
    form = SurveyForm(request.POST or None, survey=survey, texts=texts)
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(
                survey=survey,
                score=form.cleaned_data["score"],
                nps=form.cleaned_data.get("nps"),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return render(request, "qa/survey.html", context | {"done": texts["thanks"]})
    return render(request, "qa/survey.html", context | {"form": form}, status=400 if form.errors else 200)
