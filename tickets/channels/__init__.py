"""How customers reach support and hear back: email in and out, web form, ticket link, chat, phone (docs/channels.md).

Every channel ends in the services of tickets.services, so one customer has one timeline whatever the channel.
"""
