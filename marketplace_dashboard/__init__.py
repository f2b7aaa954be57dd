"""Horizon plugin for StratusLab-compatible appliance marketplaces.

The package is split in two layers:

``marketplace_dashboard.core``
    Everything that does not need Django: the metadata model, safe XML
    parsing, the image identifier, signature verification, the operator's
    trust policy, the marketplace REST client and import planning.  The
    command-line tools and the marketplace service use only this layer.

``marketplace_dashboard.dashboards`` / ``marketplace_dashboard.api``
    The thin Horizon layer (panels, tables, tabs, forms, templates).
"""
