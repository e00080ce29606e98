import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from regions.models import validate_country

LANGUAGES = [("en", "English"), ("es", "Español"), ("de", "Deutsch"), ("pt", "Português"), ("ja", "日本語")]
MAX_FILES = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
SHOWN_MAX = 20  # articles a customer may have been shown while writing one request


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to MAX_FILES files of at most MAX_FILE_BYTES each (several in one input)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_FILES:
            raise ValidationError(_("Attach at most %(count)d files.") % {"count": MAX_FILES})
        for file in files:
            super().clean(file, initial)
            if file.size > MAX_FILE_BYTES:
                raise ValidationError(_("Each file must be smaller than 10 MB."))
        return files


class ShownArticlesField(forms.Field):
    """The ids of the articles suggested to the customer while writing (knowledge.answers), kept by the page's
    script: "3,7" from the web form, [3, 7] from the chat widget."""

    widget = forms.HiddenInput

    def to_python(self, value):
        if value in self.empty_values:
            return []
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list | tuple) or len(items) > SHOWN_MAX:
            raise ValidationError(_("The list of suggested articles is not valid."))
        texts = [str(item).strip() for item in items]
        if not all(re.fullmatch(r"[0-9]{1,12}", text) for text in texts):
            raise ValidationError(_("The list of suggested articles is not valid."))
        return list(dict.fromkeys(int(text) for text in texts))


class WebForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=120)
    email = forms.EmailField(label=_("Your email address"))
    country = forms.CharField(label=_("Country"), max_length=2, help_text=_("Two letters, e.g. DE, MX, JP"))
    language = forms.ChoiceField(label=_("Language for our answers"), choices=LANGUAGES)
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(label=_("How can we help?"), widget=forms.Textarea(attrs={"rows": 8}), max_length=20000)
    attachments = AttachmentsField(label=_("Attachments"), required=False, help_text=_("Up to 5 files, 10 MB each"))
    shown = ShownArticlesField(required=False)
    # The honeypot: hidden from people (CSS and aria-hidden), filled in by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        try:
            validate_country(country)
        except ValidationError:
            raise ValidationError(_("Give your country as two letters, e.g. DE.")) from None
        return country

    def clean_website(self):
        if self.cleaned_data["website"]:
            raise ValidationError(_("This field must stay empty; your request was not sent."))
        return ""


class LinkReplyForm(forms.Form):
    message = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20000)
    attachments = AttachmentsField(label=_("Attachments"), required=False, help_text=_("Up to 5 files, 10 MB each"))


class CallForm(forms.Form):
    direction = forms.ChoiceField(label="Direction", choices=[("in", "Customer called"), ("out", "We called")])
    minutes = forms.IntegerField(label="Duration (minutes)", min_value=0, max_value=600)
    summary = forms.CharField(label="What was said", widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class ChatStartForm(forms.Form):
    name = forms.CharField(max_length=120)
    email = forms.EmailField()
    language = forms.CharField(max_length=8, required=False)
    country = forms.CharField(max_length=2, required=False)
    message = forms.CharField(max_length=5000)
    shown = ShownArticlesField(required=False)


class ChatSayForm(forms.Form):
    message = forms.CharField(max_length=5000)
