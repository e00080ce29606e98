"""Knowledge pages: search, article (history and diff), editor, translations, acknowledgements, public help.

Views are thin: check permission, validate with a form, call the service, render. Every article read goes through
knowledge.selectors, so an article outside the viewer's scope is a 404 here exactly as in the API.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import override
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from compliance.access import workspace_view
from compliance.api_errors import error_body
from compliance.models import Role
from regions.models import validate_country

from . import selectors, services
from .answers import suggestion_read, suggestions_for
from .diff import diff_counts, version_diff
from .forms import ArticleForm, DiffForm, SearchForm, SuggestForm, TransitionForm, TranslationForm, add_service_errors
from .forms import owner_team_queryset as _teams
from .models import DeflectionChannel, Status
from .search import article_search
from .throttles import DeflectionRate, SuggestRate, throttled


def lead_view(view):
    """Leads and admins only (403 for everyone else in the workspace)."""

    def check(request, *args, **kwargs):
        if request.user.role not in (Role.LEAD, Role.ADMIN):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return workspace_view(check)


def _search(request, articles, filters, *, log=True):
    """Hits for the filters; a search that finds nothing is recorded as a content gap."""
    if filters["category"]:
        articles = articles.filter(category__slug=filters["category"])
    if filters["audience"]:
        articles = articles.filter(audience=filters["audience"])
    hits = article_search(articles, filters["q"], locale=filters["locale"] or None)
    if log and filters["q"] and not hits:
        services.search_miss_record(query=filters["q"], locale=filters["locale"], user=request.user)
    return hits


@workspace_view
@require_GET
def knowledge_home(request):
    user = request.user
    form = SearchForm(request.GET or None, categories=selectors.category_list(), locales=selectors.locale_list())
    filters = form.filters()
    context = {
        "form": form,
        "filters": filters,
        "hits": _search(request, selectors.article_scope(user), filters) if filters["q"] else None,
        "recent": selectors.article_list(user, status=Status.PUBLISHED).order_by("-updated_at")[:15],
        "drafts": selectors.drafts_for(user),
        "can_create": bool(selectors.editable_team_ids(user)),
        "pending_count": selectors.acknowledgements_pending(user).count(),
    }
    return render(request, "knowledge/home.html", context)


def _article_form(request, *, teams=None, initial=None):
    return ArticleForm(request.POST or None, teams=teams, initial=initial)


@workspace_view
@require_http_methods(["GET", "POST"])
def article_new(request):
    ids = selectors.editable_team_ids(request.user)
    if not ids:
        raise PermissionDenied
    form = _article_form(request, teams=_teams(ids), initial={"change_note": "First version", "language": "en"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_create(
                owner_team=data["owner_team"],
                category=data["category"],
                title=data["title"],
                body=data["body"],
                change_note=data["change_note"],
                audience=data["audience"],
                tiers=data["tiers"],
                language=data["language"].strip().lower(),
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "Draft saved as version 1. Submit it for review or publish it when ready.")
            return redirect("knowledge-article", pk=article.pk)
    return render(request, "knowledge/editor.html", {"form": form, "article": None}, status=_status(request, form))


def _status(request, form):
    return 400 if request.method == "POST" and form.errors else 200


def _reader_languages(request):
    wanted = request.GET.get("lang", "").strip().lower()
    return ([wanted] if wanted else []) + selectors.reader_languages(request.user)


@workspace_view
@require_GET
def article_detail(request, pk):
    user = request.user
    article = selectors.article_get_for(user, pk)
    editable = selectors.can_edit(user, article)
    versions = list(selectors.version_list(article))
    if article.status == Status.PUBLISHED:
        title, body, locale, translation = selectors.article_text_for(article, _reader_languages(request))
    else:  # a draft, a review or an archived article: its owners read the latest version
        latest = article.latest_version
        title, body, locale, translation = latest.title, latest.body, article.language, None
    if article.status == Status.PUBLISHED:
        services.article_view_record(article=article)
    numbers = [v.number for v in versions]
    pending = selectors.acknowledgements_pending(user).filter(version__article=article).first()
    context = {
        "article": article,
        "title": title,
        "body": body,
        "locale": locale,
        "translation": translation,
        "versions": versions,
        "translations": list(selectors.translation_list(article)),
        "editable": editable,
        "moves": article.moves() if editable else [],
        "pending": pending,
        "diff_form": DiffForm(
            numbers=numbers, initial={"old": numbers[1] if len(numbers) > 1 else numbers[0], "new": numbers[0]}
        ),
        "translation_form": TranslationForm(prefix="tr"),
    }
    return render(request, "knowledge/article.html", context)


@workspace_view
@require_GET
def article_diff(request, pk):
    article = selectors.article_get_for(request.user, pk)
    versions = {v.number: v for v in selectors.version_list(article)}
    form = DiffForm(request.GET, numbers=sorted(versions, reverse=True))
    if not form.is_valid():
        raise Http404("Choose two versions of this article.")
    old, new = versions[form.cleaned_data["old"]], versions[form.cleaned_data["new"]]
    rows = version_diff(old, new)
    context = {"article": article, "old": old, "new": new, "rows": rows, "counts": diff_counts(rows), "diff_form": form}
    return render(request, "knowledge/diff.html", context)


@workspace_view
@require_http_methods(["GET", "POST"])
def article_edit(request, pk):
    article = selectors.article_get_for(request.user, pk)
    if not selectors.can_edit(request.user, article):
        raise Http404
    latest = article.latest_version
    initial = {
        "title": latest.title,
        "body": latest.body,
        "category": article.category_id,
        "audience": article.audience,
        "tiers": article.required_tiers,
    }
    form = _article_form(request, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_edit(
                article=article,
                title=data["title"],
                body=data["body"],
                change_note=data["change_note"],
                category=data["category"],
                audience=data["audience"],
                tiers=data["tiers"],
                actor=request.user,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            number = article.latest_version.number
            if article.status == Status.PUBLISHED:
                messages.success(request, f"Version {number} is published; translations are now marked outdated.")
            else:
                messages.success(request, f"Saved as version {number}.")
            return redirect("knowledge-article", pk=article.pk)
    context = {"form": form, "article": article}
    return render(request, "knowledge/editor.html", context, status=_status(request, form))


@workspace_view
@require_POST
def article_transition(request, pk):
    article = selectors.article_get_for(request.user, pk)
    if not selectors.can_edit(request.user, article):
        raise Http404
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a workflow step.")
        return redirect("knowledge-article", pk=pk)
    try:
        article = services.article_transition(article=article, to=form.cleaned_data["to"], actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The article is now {article.get_status_display().lower()}.")
    return redirect("knowledge-article", pk=pk)


@workspace_view
@require_http_methods(["GET", "POST"])
def translation_edit(request, pk):
    article = selectors.article_get_for(request.user, pk)
    if not selectors.can_edit(request.user, article):
        raise Http404
    locale = (request.POST.get("tr-locale") or request.GET.get("locale") or "").strip().lower()
    existing = article.translations.filter(locale=locale).first()
    source = article.published_version or article.latest_version
    initial = {"locale": locale, "title": existing.title if existing else "", "body": existing.body if existing else ""}
    form = TranslationForm(request.POST or None, prefix="tr", initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.translation_save(article=article, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request, f"The {form.cleaned_data['locale']} translation now follows version {source.number}."
            )
            return redirect(f"{reverse('knowledge-article', args=[article.pk])}?lang={form.cleaned_data['locale']}")
    context = {"form": form, "article": article, "source": source, "existing": existing}
    return render(request, "knowledge/translation.html", context, status=_status(request, form))


@workspace_view
@require_POST
def article_acknowledge(request, pk):
    article = selectors.article_get_for(request.user, pk)
    try:
        ack = services.acknowledgement_confirm(article=article, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Acknowledged version {ack.version.number} of “{article.title}”.")
    if request.POST.get("next") == "list":
        return redirect("knowledge-acknowledgements")
    return redirect("knowledge-article", pk=pk)


@workspace_view
@require_GET
def my_acknowledgements(request):
    context = {
        "pending": selectors.acknowledgements_pending(request.user),
        "done": selectors.acknowledgements_done(request.user),
    }
    return render(request, "knowledge/acknowledgements.html", context)


@lead_view
@require_GET
def acknowledgement_status(request):
    return render(
        request, "knowledge/acknowledgement_status.html", {"rows": selectors.acknowledgement_status(request.user)}
    )


# Public help center: no login, published customer-facing articles only, in the customer's language.


def _customer_languages(request):
    wanted = request.GET.get("lang", "").strip().lower()
    header = [
        code.split("-")[0].lower() for code, _ in parse_accept_lang_header(request.headers.get("Accept-Language", ""))
    ]
    return list(dict.fromkeys(([wanted] if wanted else []) + header))


@require_GET
def help_index(request):
    languages = _customer_languages(request)
    q = request.GET.get("q", "").strip()[:200]
    articles = selectors.public_article_list()
    hits = None
    if q:
        hits = article_search(articles, q)  # every language: a customer may search in English on a Spanish page
        if not hits:
            services.search_miss_record(query=q, locale=languages[0] if languages else "")
    shown = [(a, selectors.article_text_for(a, languages)) for a in articles.order_by("category__name", "slug")]
    context = {"shown": shown, "hits": hits, "q": q, "lang": languages[0] if languages else ""}
    return render(request, "knowledge/help_index.html", context)


def _page_language(language):
    """LANGUAGE when the site has texts in it, else English (for the words around the article)."""
    return language if language in dict(settings.LANGUAGES) else "en"


def _answer_box(request, article):
    """What the article page offers a customer who came from a suggestion: the token to count it, and the way
    back to what they were writing. None for any other reader (or a token that is not for this article)."""
    token = request.GET.get("s", "")
    if not token:
        return None
    try:
        suggestion = suggestion_read(token, article=article)
    except ValidationError:
        return None
    # From the chat widget the article opened in a new tab, and the chat goes on in the first one.
    back = None if suggestion.channel == DeflectionChannel.CHAT else f"{reverse('web-form')}?lang={suggestion.language}"
    return {"token": token, "back": back, "language": suggestion.language}


@require_GET
def help_article(request, slug):
    article = selectors.article_public_get(slug)
    languages = _customer_languages(request)
    title, body, locale, translation = selectors.article_text_for(article, languages)
    services.article_view_record(article=article)
    answer = _answer_box(request, article)
    context = {
        "article": article,
        "title": title,
        "body": body,
        "locale": locale,
        "translation": translation,
        "lang": languages[0] if languages else "",
        "answer": answer,
    }
    with override(_page_language(answer["language"] if answer else locale)):
        return render(request, "knowledge/help_article.html", context)


# Answer before ticket (knowledge.answers): suggestions while the customer writes, and "this answered my question".


def _request_country(request):
    """The region of the browser's first language (es-MX -> MX) when it is a country we know, else blank."""
    for code, _ in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        _, _, region = code.partition("-")
        try:
            validate_country(region.upper())
        except ValidationError:
            continue
        return region.upper()
    return ""


def _too_many(wait):
    response = JsonResponse(error_body("throttled", f"Too many requests; try again in {wait} seconds."), status=429)
    response["Retry-After"] = str(wait)
    return response


@require_GET
def help_suggest(request):
    """JSON for the web form and the chat widget: up to five customer-facing articles in the customer's language
    that match what they have written so far."""
    wait = throttled(SuggestRate(), request)
    if wait:
        return _too_many(wait)
    form = SuggestForm(request.GET)
    if not form.is_valid():
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return JsonResponse(error_body("invalid", "The request is invalid; see fields.", fields), status=400)
    data = form.cleaned_data
    articles = suggestions_for(
        data["q"],
        language=data["lang"],
        country=data["country"] or _request_country(request),
        channel=data["channel"],
    )
    return JsonResponse({"language": data["lang"], "articles": articles})


@require_POST
def help_answered(request, slug):
    """The customer's "This answered my question": counts the deflection and ends the request with a thank-you."""
    article = selectors.article_public_get(slug)
    token = request.POST.get("s", "")
    language = _page_language((_customer_languages(request) or ["en"])[0])
    wait = throttled(DeflectionRate(), request)
    error = "throttled" if wait else None
    if not wait:
        try:
            services.deflection_from_suggestion(token=token, article=article)
        except ValidationError:
            error = "invalid"
    if error is None:
        return redirect(f"{reverse('help-answered')}?lang={language}")
    context = {"article": article, "error": error, "lang": language}
    with override(language):
        response = render(request, "knowledge/help_answered.html", context, status=429 if wait else 400)
    if wait:
        response["Retry-After"] = str(wait)
    return response


@require_GET
def help_answered_thanks(request):
    language = _page_language((_customer_languages(request) or ["en"])[0])
    with override(language):
        return render(request, "knowledge/help_answered.html", {"error": None, "lang": language})
