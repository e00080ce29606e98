from django.dispatch import Signal

# Sent after the transaction that changed a region's status commits; kwargs: region, previous, actor.
region_status_changed = Signal()
