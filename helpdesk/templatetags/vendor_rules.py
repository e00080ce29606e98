from django import template

from helpdesk.security import vendor_may

register = template.Library()


@register.filter
def may(user, action):
    """{% if request.user|may:"attachment_download" %}: helpdesk.security.vendor_may in a template."""
    return vendor_may(user, action)
