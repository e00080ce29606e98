from django.urls import path

from .views import calibration, metrics, reviews, rubrics, survey, trends

urlpatterns = [
    path("qa/", reviews.home, name="qa-home"),
    path("qa/tickets/<int:ticket_pk>/review/", reviews.review_new, name="qa-review-new"),
    path("qa/reviews/<int:pk>/", reviews.review_detail, name="qa-review"),
    path("qa/reviews/<int:pk>/dispute/", reviews.review_dispute, name="qa-review-dispute"),
    path("qa/reviews/<int:pk>/resolve/", reviews.review_resolve, name="qa-review-resolve"),
    path("qa/follow-ups/<int:pk>/done/", reviews.follow_up_done, name="qa-follow-up-done"),
    path("qa/rubrics/", rubrics.rubric_index, name="qa-rubrics"),
    path("qa/rubrics/new/", rubrics.rubric_new, name="qa-rubric-new"),
    path("qa/rubrics/<int:pk>/", rubrics.rubric_detail, name="qa-rubric"),
    path("qa/rubrics/<int:pk>/edit/", rubrics.rubric_edit, name="qa-rubric-edit"),
    path("qa/rubrics/<int:pk>/publish/", rubrics.rubric_publish_view, name="qa-rubric-publish"),
    path("qa/calibration/", calibration.calibration_index, name="qa-calibration-list"),
    path("qa/calibration/<int:pk>/", calibration.calibration_detail, name="qa-calibration"),
    path(
        "qa/calibration/<int:pk>/tickets/<int:ticket_pk>/",
        calibration.calibration_score_view,
        name="qa-calibration-score",
    ),
    path("qa/calibration/<int:pk>/close/", calibration.calibration_close, name="qa-calibration-close"),
    path("qa/metrics/", metrics.metrics_page, name="qa-metrics"),
    path("qa/metrics.csv", metrics.metrics_csv, name="qa-metrics-csv"),
    path("qa/metrics/settings/", metrics.metrics_settings, name="qa-metrics-settings"),
    path("qa/metrics/trends/", trends.trends_page, name="qa-trends"),
    path("qa/metrics/trends/tickets/", trends.trend_tickets_page, name="qa-trend-tickets"),
    path("survey/<str:token>/", survey.survey_page, name="qa-survey"),
]
