"""QA pages, one module per topic. Every page: signed in, then the object is fetched through a qa.selectors scope
(404 outside it), forms validate, services do the work."""
