"""The config repository: its layout, files read safely, its entities loaded and validated.

``layout`` names its files, ``files`` reads them safely, ``load`` loads everything into a
``model.Repository``, ``validate`` checks each entity against its model, ``pyproject`` reads the
settings, ``json_schemas`` describes the files for editors.
"""
