from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import ROLE_PERMISSIONS, Role


def _permissions_for(role):
    if role == Role.ADMIN:
        return list(Permission.objects.all())
    wanted = ROLE_PERMISSIONS.get(role, [])
    found = []
    for dotted in wanted:
        app_label, codename = dotted.split(".")
        found.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    return found


def roles_sync():
    """Create one group per role and set exactly the role's permissions."""
    with transaction.atomic():
        for role in Role:
            group, _ = Group.objects.get_or_create(name=role.label)
            group.permissions.set(_permissions_for(role))


def roles_sync_from_signal(sender, **kwargs):
    # Each app's permissions are created by its own post_migrate call, so sync
    # after every app; the work is a handful of small queries.
    roles_sync()


def role_grant(*, user, role, actor=None):
    """Give USER the role's group; admins also get access to the Django admin."""
    with transaction.atomic():
        user.groups.add(Group.objects.get(name=Role(role).label))
        if role == Role.ADMIN and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
