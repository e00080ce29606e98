"""Full-text search on PostgreSQL: ranking, per-language stemming, highlighted snippets, the GIN indexes."""

import re

import pytest
from django.db import connection

from knowledge.search import article_search
from knowledge.selectors import article_scope
from knowledge.services import article_edit

from .conftest import publish, translate

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _titles(user, q, **kwargs):
    return [hit.title for hit in article_search(article_scope(user), q, **kwargs)]


def test_a_match_in_the_title_ranks_above_one_in_the_body_and_stems_are_found(kb):
    # given three articles that mention refunds differently
    publish(kb, "Password resets", "Unrelated, except one refund mention at the end.")
    publish(kb, "Refunds to a card", "How refunds reach a card: refunded amounts show in five days.")
    publish(kb, "Shipping delays", "Parcels stuck in transit.")
    # when an agent searches for a different form of the word
    titles = _titles(kb["agent"], "refunding")
    # then both matches come back, the one about refunds first, and the unrelated one not at all
    assert titles == ["Refunds to a card", "Password resets"]


def test_each_language_is_searched_with_its_own_configuration(kb):
    article = publish(kb, "Issue a refund", "Open the billing console.")
    translate(kb, article, "es", "Emitir reembolsos", "Los reembolsos se emiten desde la consola de facturación.")
    translate(kb, article, "de", "Erstattungen auslösen", "Erstattungen werden in der Abrechnungskonsole ausgelöst.")
    # Spanish stemming: "reembolso" finds "reembolsos"; German: "Erstattung" finds "Erstattungen"
    assert _titles(kb["agent"], "reembolso") == ["Emitir reembolsos"]
    assert _titles(kb["agent"], "Erstattung", locale="de") == ["Erstattungen auslösen"]
    assert _titles(kb["agent"], "Erstattung", locale="es") == []


def test_snippets_are_highlighted_and_escaped(kb):
    publish(kb, "Console", "Never paste <script>alert(1)</script> into the billing console.")
    [hit] = article_search(article_scope(kb["agent"]), "billing")
    assert "<mark>billing</mark>" in hit.snippet
    assert set(re.findall(r"</?(\w+)", hit.snippet)) == {"mark"}  # no other markup reaches the page


def test_websearch_syntax_and_the_vector_follows_the_published_version(kb):
    article = publish(kb, "Refund by card", "Refund to the card used.")
    publish(kb, "Refund by transfer", "Refund to a bank account.")
    assert _titles(kb["agent"], "refund -card") == ["Refund by transfer"]
    article_edit(
        article=article, title="Chargebacks", body="Disputed charges.", change_note="Rewrite", actor=kb["owner"]
    )
    assert _titles(kb["agent"], "chargeback") == ["Chargebacks"]
    assert _titles(kb["agent"], "card") == []


def test_suggestions_match_any_word_and_rank_the_best_overlap_first(kb):
    publish(kb, "Refund timeline", "A refund reaches the bank in five to ten working days.")
    publish(kb, "Bank holidays", "Opening hours on bank holidays.")
    hits = article_search(article_scope(kb["agent"]), "Where is my refund? The bank says nothing.", match_any=True)
    assert [h.title for h in hits] == ["Refund timeline", "Bank holidays"]


def test_search_vectors_have_gin_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'knowledge_%%_search'")
        indexes = dict(cursor.fetchall())
    assert set(indexes) == {"knowledge_article_search", "knowledge_translation_search"}
    assert all("USING gin" in definition for definition in indexes.values())
