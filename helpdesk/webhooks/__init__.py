"""Outgoing webhooks: signed JSON deliveries of ticket, handoff, region and SLA events to integrations."""
