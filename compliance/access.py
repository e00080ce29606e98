"""Who may open the browser workspace: one decorator for the pages of every app."""

import functools

from django.contrib.auth.decorators import login_required, permission_required

from .masking import principal_load


def workspace_view(view):
    """Signed in (else to the login page) and allowed to use the browser workspace (else 403)."""
    checked = permission_required("helpdesk.use_app", raise_exception=True)(view)

    @functools.wraps(checked)
    def with_principal(request, *args, **kwargs):
        principal_load(request.user)  # role, permissions and led teams in one query, before the first check
        return checked(request, *args, **kwargs)

    return login_required(with_principal)
