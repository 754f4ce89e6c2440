"""The Jenkins simulator's store: a data dir from before its indexes is read as before."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from landingzone_sandbox.jenkins.configxml import FOLDER_XML
from landingzone_sandbox.jenkins.locations import location_key
from landingzone_sandbox.jenkins.store import JenkinsStore

FREESTYLE = (
    "<project><description/><scm class='hudson.plugins.git.GitSCM'><userRemoteConfigs>"
    "<hudson.plugins.git.UserRemoteConfig><url>http://bb.example.test/scm/labs/app.git</url>"
    "</hudson.plugins.git.UserRemoteConfig></userRemoteConfigs></scm><disabled>false</disabled>"
    "</project>"
)


def test_items_and_sources_of_an_older_data_dir_are_indexed_when_it_is_opened(
    tmp_path: Path,
) -> None:
    path = tmp_path / "jenkins.db"
    with closing(sqlite3.connect(path)) as old:
        old.execute(
            "CREATE TABLE items (full_name TEXT PRIMARY KEY, config BLOB NOT NULL, "
            "next_build INTEGER NOT NULL DEFAULT 1)"
        )
        for name, config in (("labs", FOLDER_XML), ("labs/app", FREESTYLE), ("top", FOLDER_XML)):
            old.execute(
                "INSERT INTO items (full_name, config) VALUES (?, ?)", (name, config.encode())
            )
        old.commit()

    store = JenkinsStore(path)
    try:
        assert [i.full_name for i in store.children("")] == ["labs", "top"]
        assert [i.full_name for i in store.children("labs")] == ["labs/app"]
        assert store.children("labs/app") == []
        assert store.has_git_sources()
        app = location_key("https://git@bb.example.test:7990/scm/labs/app")
        assert store.jobs_with_source(app) == ["labs/app"]

        store.delete_tree("labs")

        assert [i.full_name for i in store.children("")] == ["top"]
        assert store.jobs_with_source(app) == [] and not store.has_git_sources()
    finally:
        store.close()
