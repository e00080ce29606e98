from django import template

from tickets.models import Channel

register = template.Library()

ICONS = {"email": "✉", "web": "⌨", "chat": "❝", "phone": "☎", "api": "⚙"}


@register.inclusion_tag("tickets/channels/_channel_badge.html")
def channel_badge(channel):
    """A badge with text (and an icon) naming the channel a customer's message came through."""
    label = Channel(channel).label if channel in Channel.values else channel
    return {"channel": channel, "label": label, "icon": ICONS.get(channel, "•")}
