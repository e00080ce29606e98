"""The API's one way to page a list: a cursor (no OFFSET, no COUNT) and a strictly checked page size."""

from rest_framework import serializers
from rest_framework.pagination import CursorPagination


class StrictCursorPagination(CursorPagination):
    """A cursor page; `page_size` must be one whole number from 1 to max_page_size, or it is a 400."""

    page_size = 100
    ordering = ("id",)
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values or values == [""]:
            return self.page_size
        if len(values) > 1 or not values[0].isdigit() or not 1 <= int(values[0]) <= self.max_page_size:
            raise serializers.ValidationError(
                {self.page_size_query_param: [f"Give one whole number from 1 to {self.max_page_size}."]}
            )
        return int(values[0])
