from regions.cache import memoized

from .models import ResidencyRestriction


def residency_forbidden_pairs():
    """{(data zone, handling zone)} that must not meet; read once per batch of decisions."""
    return memoized(
        "residency_pairs", lambda: set(ResidencyRestriction.objects.values_list("data_zone", "handling_zone"))
    )
