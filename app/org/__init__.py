"""The municipality's organisational units: the mayor's cabinet, offices, services."""
