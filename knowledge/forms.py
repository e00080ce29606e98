from django import forms
from django.core.exceptions import ValidationError

from regions.models import Team, Tier, validate_country

from .models import ArticleVersion, Audience, Category, DeflectionChannel, Status, Translation


class SearchForm(forms.Form):
    q = forms.CharField(label="Search articles", max_length=200, required=False)
    category = forms.ChoiceField(label="Category", required=False)
    locale = forms.ChoiceField(label="Language", required=False)
    audience = forms.ChoiceField(label="Audience", required=False, choices=[("", "Any audience"), *Audience.choices])

    def __init__(self, *args, categories=(), locales=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any category")] + [(c.slug, c.name) for c in categories]
        self.fields["locale"].choices = [("", "Any language")] + [(code, code) for code in locales]

    def filters(self):
        if not self.is_valid():
            return {"q": "", "category": "", "locale": "", "audience": ""}
        return {k: self.cleaned_data.get(k) or "" for k in ("q", "category", "locale", "audience")}


class SuggestForm(forms.Form):
    """What the web form or the chat widget sends while the customer types (the public suggest endpoint)."""

    q = forms.CharField(max_length=2000, required=False, help_text="What the customer has written so far")
    lang = forms.RegexField(
        regex=r"^[a-z]{2}$", error_messages={"invalid": "Give the language as two lower-case letters, e.g. es."}
    )
    country = forms.CharField(max_length=2, required=False)
    channel = forms.ChoiceField(choices=DeflectionChannel.choices, required=False)

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if country:
            try:
                validate_country(country)
            except ValidationError:
                raise ValidationError("Give the country as two letters, e.g. MX.") from None
        return country

    def clean_channel(self):
        return self.cleaned_data["channel"] or DeflectionChannel.WEB


class ArticleForm(forms.Form):
    """The editor: the text of a new version, its change note, and the article's settings."""

    title = forms.CharField(max_length=ArticleVersion._meta.get_field("title").max_length)
    body = forms.CharField(label="Text (Markdown)", widget=forms.Textarea(attrs={"rows": 16}))
    change_note = forms.CharField(
        max_length=ArticleVersion._meta.get_field("change_note").max_length,
        help_text="What changed and why, in a line; shown in the version history.",
    )
    category = forms.ModelChoiceField(queryset=Category.objects.all(), empty_label=None)
    audience = forms.ChoiceField(choices=Audience.choices)
    tiers = forms.TypedMultipleChoiceField(
        label="Required reading for",
        choices=Tier.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Every agent of these tiers must acknowledge each published version.",
    )

    def __init__(self, *args, teams=None, **kwargs):
        super().__init__(*args, **kwargs)
        if teams is not None:  # a new article: which team owns it, and its language
            self.fields["owner_team"] = forms.ModelChoiceField(queryset=teams, empty_label=None, label="Owner team")
            self.fields["language"] = forms.CharField(
                max_length=8, initial="en", help_text="ISO 639-1 code of the text, e.g. en"
            )


class TranslationForm(forms.Form):
    locale = forms.CharField(label="Language", max_length=8, help_text="ISO 639-1 code, e.g. es")
    title = forms.CharField(max_length=Translation._meta.get_field("title").max_length)
    body = forms.CharField(label="Translated text (Markdown)", widget=forms.Textarea(attrs={"rows": 14}))


class DiffForm(forms.Form):
    old = forms.TypedChoiceField(label="From version", coerce=int)
    new = forms.TypedChoiceField(label="To version", coerce=int)

    def __init__(self, *args, numbers=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(n, f"v{n}") for n in numbers]
        self.fields["old"].choices = self.fields["new"].choices = choices


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=Status.choices)


def owner_team_queryset(ids):
    return Team.objects.filter(pk__in=ids).order_by("tier", "code")


def add_service_errors(form, exc):
    """A service's ValidationError shown on the form: per field when it names one, else for the whole form."""
    if not isinstance(exc, ValidationError) or not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)
