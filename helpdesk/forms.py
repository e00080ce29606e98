import zoneinfo

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.validators import UnicodeUsernameValidator


class LoginForm(AuthenticationForm):
    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not user.has_perm("helpdesk.use_app"):
            raise forms.ValidationError("This account is for the API only; use a token with /api/v1/.", code="api_only")


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label="Show times in",
        choices=[(z, z) for z in sorted(zoneinfo.available_timezones())],
    )
    email_notifications = forms.BooleanField(
        label="Also send my notifications by email (during my shift, like in-app ones)", required=False
    )


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from an authenticator app ("123 456" is accepted too)."""

    otp_token = forms.CharField(
        label="Code from your authenticator app",
        max_length=9,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def clean_otp_token(self):
        code = self.cleaned_data["otp_token"].replace(" ", "")
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the 6 digits your authenticator app shows.", code="invalid")
        return code


class IntegrationForm(forms.Form):
    username = forms.CharField(
        label="Account name",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="For example integration-crm: one account per connected system, so each can be revoked alone.",
    )

    def clean_username(self):
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError("An account with this name exists already.")
        return username
