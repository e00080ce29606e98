from django.dispatch import Signal

# Sent after the transaction that changed a ticket commits; kwargs: ticket, event
# ("ticket.created", "ticket.updated" or "ticket.solved").
ticket_changed = Signal()

# Sent after the transaction that recorded an SLA breach commits; kwargs: ticket, target, at.
sla_breached = Signal()
