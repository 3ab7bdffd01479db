"""TrackTable: every row operation treats every column alike (a column forgotten would misalign rows)."""

import numpy as np

from bastion.track.table import COLUMNS, TrackTable


def _table(replica, start=0, M=2, n=7):
    k = len(replica)
    rows = np.arange(start, start + k)
    xs = rows[:, None, None] + np.zeros((k, M, n))
    return TrackTable.tentative(
        ids=rows + 100,
        uids=rows + 1,
        replica=np.asarray(replica),
        xs=xs,
        Ps=rows[:, None, None, None] + np.zeros((k, M, n, n)),
        mu=np.full((k, M), 1.0 / M),
        t=float(start),
        log_rcs=rows * 0.5,
        detection=rows,
        initial_score=0.0,
    )


def test_an_empty_table_has_every_column_with_no_rows():
    empty = TrackTable.empty(3, 7)
    assert len(empty) == 0 and empty.xs.shape == (0, 3, 7) and empty.Ps.shape == (0, 3, 7, 7)
    assert all(getattr(empty, c).shape[0] == 0 for c in COLUMNS) and len(COLUMNS) == 19


def test_keep_append_and_grouping_move_every_column_with_its_row():
    t = _table([0, 1, 1])
    t.append(_table([0, 2], start=3))
    assert len(t) == 5 and all(getattr(t, c).shape[0] == 5 for c in COLUMNS)
    t.group_by_replica()  # rows 0, 3 (replication 0), 1, 2 (1), 4 (2): order within each kept
    assert t.replica.tolist() == [0, 0, 1, 1, 2] and t.detection.tolist() == [0, 3, 1, 2, 4]
    rows = np.array([0, 3, 1, 2, 4])  # each row's label, as _table wrote it into every column
    assert t.uid.tolist() == (rows + 1).tolist() and t.id.tolist() == (rows + 100).tolist()
    assert (t.xs == rows[:, None, None]).all() and (t.Ps == rows[:, None, None, None]).all()
    assert t.log_rcs_sum.tolist() == (rows * 0.5).tolist() and t.t_state.tolist() == [0.0, 3.0, 0.0, 0.0, 3.0]
    assert t.replica_rows(1) == slice(2, 4) and t.replica_rows(3) == slice(5, 5)
    assert t.replica_bounds(3).tolist() == [0, 2, 4, 5]
    t.keep(np.array([True, False, True, False, True]))
    assert t.detection.tolist() == [0, 1, 4] and t.uid.tolist() == [1, 2, 5] and t.xs[:, 0, 0].tolist() == [0, 1, 4]


def test_select_and_concat_make_new_tables():
    a, b = _table([0, 0, 1]), _table([1], start=3)
    both = TrackTable.concat([a, b])
    assert both.uid.tolist() == [1, 2, 3, 4] and len(a) == 3
    picked = both.select(np.array([3, 0]))
    assert picked.uid.tolist() == [4, 1] and picked.Ps[:, 0, 0, 0].tolist() == [3.0, 0.0]
    assert np.shares_memory(both.select(slice(1, 3)).xs, both.xs)  # a slice: views
