from django.dispatch import Signal

# Sent after a handoff or failover run finishes (and its transaction, if any, commits); kwargs: run.
handoff_finished = Signal()
