"""REST API v1 for the knowledge base: the same selectors, services and permissions as the pages.

An article outside the caller's scope is a 404; a write by someone who may read but not edit it is a 403.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from compliance.api_errors import Conflict, conflict_on, error_response
from compliance.models import Role
from compliance.pagination import StrictCursorPagination
from regions.models import Team

from . import selectors, services
from .diff import version_diff
from .models import Acknowledgement, Article, ArticleVersion, Audience, Category, Status, Translation
from .search import article_search


class ReadsKnowledge(permissions.BasePermission):
    """People of the workspace and integrations; which articles is article_scope's call."""

    def has_permission(self, request, view):
        user = request.user
        return user.is_authenticated and (user.has_perm("helpdesk.use_app") or user.has_perm("helpdesk.use_api"))


# Output


class ArticleSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text="Of the published version, else of the latest")
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    audience = serializers.ChoiceField(choices=Audience.choices, read_only=True)
    category = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner_team = serializers.SlugRelatedField(slug_field="code", read_only=True)
    latest_version = serializers.IntegerField(source="latest_version.number", read_only=True, allow_null=True)
    published_version = serializers.IntegerField(source="published_version.number", read_only=True, allow_null=True)
    required_tiers = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = Article
        fields = [
            "id",
            "slug",
            "title",
            "status",
            "audience",
            "category",
            "owner_team",
            "required_tiers",
            "language",
            "latest_version",
            "published_version",
            "view_count",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ArticleVersionSerializer(serializers.ModelSerializer):
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ArticleVersion
        fields = ["number", "title", "body", "change_note", "author", "created_at"]
        read_only_fields = fields


class TranslationSerializer(serializers.ModelSerializer):
    source_version = serializers.IntegerField(source="source_version.number", read_only=True)
    outdated = serializers.BooleanField(source="is_outdated", read_only=True, help_text="Behind the published source")
    translator = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Translation
        fields = ["locale", "title", "body", "source_version", "outdated", "translator", "updated_at"]
        read_only_fields = fields


class DiffLineSerializer(serializers.Serializer):
    op = serializers.ChoiceField(choices=["same", "added", "removed"])
    text = serializers.CharField()
    old_number = serializers.IntegerField(allow_null=True, help_text="Line number in the older version")
    new_number = serializers.IntegerField(allow_null=True, help_text="Line number in the newer version")


class SearchHitSerializer(serializers.Serializer):
    article = serializers.IntegerField(source="article.pk")
    slug = serializers.CharField(source="article.slug")
    locale = serializers.CharField()
    title = serializers.CharField()
    snippet = serializers.CharField(help_text="Escaped HTML; the matching words are inside <mark> elements")
    rank = serializers.FloatField()
    outdated = serializers.SerializerMethodField(help_text="A translation behind its source")

    @extend_schema_field(serializers.BooleanField())
    def get_outdated(self, hit):
        return bool(hit.translation and hit.translation.is_outdated)


class AcknowledgementSerializer(serializers.ModelSerializer):
    article = serializers.IntegerField(source="version.article_id", read_only=True)
    title = serializers.CharField(source="version.title", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    change_note = serializers.CharField(source="version.change_note", read_only=True)

    class Meta:
        model = Acknowledgement
        fields = ["id", "article", "title", "version", "change_note", "created_at", "acknowledged_at"]
        read_only_fields = fields


class AckTeamSerializer(serializers.Serializer):
    team = serializers.CharField(source="team.code")
    vendor = serializers.CharField(source="team.vendor.name")
    acknowledged = serializers.IntegerField()
    total = serializers.IntegerField()
    pending = serializers.ListField(child=serializers.CharField(), help_text="Names of who has not")


class AckVendorSerializer(serializers.Serializer):
    vendor = serializers.CharField(source="vendor.name")
    acknowledged = serializers.IntegerField()
    total = serializers.IntegerField()


class AckStatusSerializer(serializers.Serializer):
    article = serializers.IntegerField(source="article.pk")
    title = serializers.CharField(source="article.title")
    version = serializers.IntegerField(source="article.published_version.number")
    teams = AckTeamSerializer(many=True)
    vendors = AckVendorSerializer(many=True)


# Input


class ArticleQuerySerializer(serializers.Serializer):
    category = serializers.SlugField(required=False, help_text="Category slug")
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)


class ArticleCreateSerializer(serializers.Serializer):
    owner_team = serializers.SlugRelatedField(slug_field="code", queryset=Team.objects.all(), help_text="Team code")
    category = serializers.SlugRelatedField(slug_field="slug", queryset=Category.objects.all())
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="Markdown")
    change_note = serializers.CharField(max_length=300, default="First version")
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.INTERNAL)
    required_tiers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=3), default=list, help_text="Tiers, e.g. [1, 2]"
    )
    language = serializers.RegexField(r"^[a-z]{2,3}$", default="en", help_text="ISO 639-1 code, e.g. en")


class VersionCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="Markdown")
    change_note = serializers.CharField(max_length=300, help_text="What changed and why")
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    required_tiers = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=3), required=False)


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=Status.choices, help_text="draft -> in_review -> published -> archived; archived -> draft"
    )


class TranslationInputSerializer(serializers.Serializer):
    locale = serializers.RegexField(r"^[a-z]{2,3}$", help_text="ISO 639-1 code, e.g. es")
    title = serializers.CharField(max_length=200)
    body = serializers.CharField(help_text="Markdown")


class DiffQuerySerializer(serializers.Serializer):
    old = serializers.IntegerField(min_value=1, help_text="Version number")
    new = serializers.IntegerField(min_value=1, help_text="Version number")


class SearchQuerySerializer(serializers.Serializer):
    q = serializers.CharField(max_length=200, help_text="Words to find (websearch syntax on PostgreSQL)")
    locale = serializers.RegexField(r"^[a-z]{2,3}$", required=False)
    category = serializers.SlugField(required=False)
    audience = serializers.ChoiceField(choices=Audience.choices, required=False)
    limit = serializers.IntegerField(min_value=1, max_value=50, default=20)


class AckQuerySerializer(serializers.Serializer):
    pending = serializers.BooleanField(required=False, allow_null=True, default=None, help_text="Only pending / done")


class NewestFirst(StrictCursorPagination):
    page_size = 50
    max_page_size = 200
    ordering = ("-id",)


class ArticleViewSet(viewsets.GenericViewSet):
    """Articles the caller may see (published ones, and every state for owners and admins)."""

    queryset = Article.objects.none()
    serializer_class = ArticleSerializer
    permission_classes = [ReadsKnowledge]
    pagination_class = NewestFirst
    lookup_value_regex = r"\d+"

    def get_object(self):
        return selectors.article_get_for(self.request.user, self.kwargs["pk"])

    def _article(self, article, code=status.HTTP_200_OK):
        article = selectors.article_get_for(self.request.user, article.pk)
        return Response(ArticleSerializer(article).data, status=code)

    @extend_schema(parameters=[ArticleQuerySerializer])
    def list(self, request):
        query = ArticleQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.article_list(request.user, **query.validated_data))
        return self.get_paginated_response(ArticleSerializer(page, many=True).data)

    def retrieve(self, request, pk=None):
        return Response(ArticleSerializer(self.get_object()).data)

    @extend_schema(request=ArticleCreateSerializer, responses={201: ArticleSerializer})
    def create(self, request):
        """A new article in draft with its first version; only for teams the caller edits for."""
        payload = ArticleCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        # The service refuses (403) a team the caller does not edit for.
        article = services.article_create(tiers=data.pop("required_tiers"), actor=request.user, **data)
        return self._article(article, status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], responses=ArticleVersionSerializer(many=True))
    @extend_schema(methods=["POST"], request=VersionCreateSerializer, responses={201: ArticleVersionSerializer})
    @action(detail=True, methods=["get", "post"])
    def versions(self, request, pk=None):
        """GET: every version, newest first. POST: an edit, saved as a new version (published at once when the
        article is published: translations become outdated, the required tiers must acknowledge it)."""
        article = self.get_object()
        if request.method == "POST":
            payload = VersionCreateSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            data = dict(payload.validated_data)
            with conflict_on("status"):
                article = services.article_edit(
                    article=article, tiers=data.pop("required_tiers", None), actor=request.user, **data
                )
            return Response(ArticleVersionSerializer(article.latest_version).data, status=status.HTTP_201_CREATED)
        return Response(ArticleVersionSerializer(selectors.version_list(article), many=True).data)

    @extend_schema(parameters=[DiffQuerySerializer], responses=DiffLineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def diff(self, request, pk=None):
        """Line by line from version `old` to version `new`."""
        article = self.get_object()
        query = DiffQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        versions = {v.number: v for v in article.versions.filter(number__in=query.validated_data.values())}
        missing = {k: ["No such version."] for k, n in query.validated_data.items() if n not in versions}
        if missing:
            raise serializers.ValidationError(missing)
        rows = version_diff(versions[query.validated_data["old"]], versions[query.validated_data["new"]])
        return Response(DiffLineSerializer(rows, many=True).data)

    @extend_schema(
        request=TransitionSerializer,
        responses={200: ArticleSerializer, 409: error_response("The article cannot move to that status from here")},
    )
    @action(detail=True, methods=["post"])
    def workflow(self, request, pk=None):
        """Move the article along draft -> in review -> published -> archived (audited)."""
        article = self.get_object()
        payload = TransitionSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        with conflict_on("status"):
            article = services.article_transition(article=article, to=payload.validated_data["to"], actor=request.user)
        return self._article(article)

    @extend_schema(methods=["GET"], responses=TranslationSerializer(many=True))
    @extend_schema(methods=["PUT"], request=TranslationInputSerializer, responses=TranslationSerializer)
    @action(detail=True, methods=["get", "put"])
    def translations(self, request, pk=None):
        """GET: every translation, with whether it is behind the source. PUT: write or bring one up to date (it then
        follows the published version)."""
        article = self.get_object()
        if request.method == "PUT":
            payload = TranslationInputSerializer(data=request.data)
            payload.is_valid(raise_exception=True)
            translation = services.translation_save(article=article, actor=request.user, **payload.validated_data)
            return Response(TranslationSerializer(translation).data)
        return Response(TranslationSerializer(selectors.translation_list(article), many=True).data)

    @extend_schema(
        request=None,
        responses={200: AcknowledgementSerializer, 409: error_response("Nothing to acknowledge on this article")},
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        """The caller has read the version published now (when their tier must)."""
        article = self.get_object()
        try:
            ack = services.acknowledgement_confirm(article=article, actor=request.user)
        except DjangoValidationError as exc:
            raise Conflict(" ".join(exc.messages)) from None
        return Response(AcknowledgementSerializer(ack).data)

    @extend_schema(parameters=[SearchQuerySerializer], responses=SearchHitSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def search(self, request):
        """Published articles and translations matching q, best first, with highlighted snippets. A search that
        finds nothing is recorded as a content gap."""
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        articles = selectors.article_list(request.user, category=data.get("category"), audience=data.get("audience"))
        hits = article_search(articles, data["q"], locale=data.get("locale"), limit=data["limit"])
        if not hits:
            services.search_miss_record(query=data["q"], locale=data.get("locale", ""), user=request.user)
        return Response(SearchHitSerializer(hits, many=True).data)


class AcknowledgementViewSet(viewsets.GenericViewSet):
    """The caller's own acknowledgements; leads and admins also see who has not acknowledged, per team."""

    queryset = Acknowledgement.objects.none()
    serializer_class = AcknowledgementSerializer
    permission_classes = [ReadsKnowledge]
    pagination_class = NewestFirst

    @extend_schema(parameters=[AckQuerySerializer])
    def list(self, request):
        query = AckQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        pending = query.validated_data["pending"]
        if pending:
            acks = selectors.acknowledgements_pending(request.user)
        else:
            acks = Acknowledgement.objects.filter(user=request.user).select_related("version")
            if pending is False:
                acks = acks.filter(acknowledged_at__isnull=False)
        page = self.paginate_queryset(acks)
        return self.get_paginated_response(AcknowledgementSerializer(page, many=True).data)

    @extend_schema(responses=AckStatusSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def status(self, request):
        """Per required article and team the caller leads (every team for admins): who has not acknowledged the
        version published now."""
        if request.user.role not in (Role.LEAD, Role.ADMIN):
            self.permission_denied(request, message="Only leads and admins follow acknowledgements.")
        return Response(AckStatusSerializer(selectors.acknowledgement_status(request.user), many=True).data)
