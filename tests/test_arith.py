"""The window formulas, against numbers worked by hand in each comment."""

from cnncalc import arith


def test_window_out_course_formula() -> None:
    # (W − F + 2P)/S + 1 = (200 − 10 + 0)/1 + 1 = 191
    assert arith.window_out(200, 10, 1, 0, 0) == 191
    # (32 − 5 + 2·2)/1 + 1 = 32
    assert arith.window_out(32, 5, 1, 2, 2) == 32
    # (224 − 11 + 2·2)/4 + 1 = 217/4 + 1 = 54.25 + 1 → floor 55 (AlexNet conv1 in torchvision)
    assert arith.window_out(224, 11, 4, 2, 2) == 55


def test_window_out_dilation() -> None:
    # effective kernel D·(F−1)+1 = 2·2+1 = 5: (10 − 5)/1 + 1 = 6
    assert arith.effective(3, 2) == 5
    assert arith.window_out(10, 3, 1, 0, 0, 2) == 6


def test_same_padding_keras_rule() -> None:
    # W=7, S=2: out = ceil(7/2) = 4; total pad = (4−1)·2 + 3 − 7 = 2 → 1 left, 1 right
    assert arith.same_padding(7, 3, 2) == (1, 1)
    # W=6, S=2, F=3: out 3; total = 2·2 + 3 − 6 = 1 → extra on the right
    assert arith.same_padding(6, 3, 2) == (0, 1)
    # even kernel at stride 1: total F−1 = 3 → (1, 2)
    assert arith.same_padding(10, 4, 1) == (1, 2)


def test_pool_ceil_mode_torch_rule() -> None:
    # W=5, K=2, S=2: floor((5−2)/2)+1 = 2; ceil → 3 (last window starts at 4 < 5)
    assert arith.pool_out(5, 2, 2, 0, 1, False) == 2
    assert arith.pool_out(5, 2, 2, 0, 1, True) == 3
    # W=4, K=2, S=2, P=1: ceil((4+2−2)/2)+1 = 3; the 3rd window starts at 4 ≥ 4+1? no → 3
    assert arith.pool_out(4, 2, 2, 1, 1, True) == 3
    # W=3, K=1, S=2, P=0... ceil((3−1)/2)+1 = 2 windows at 0 and 2: both inside → 2
    assert arith.pool_out(3, 1, 2, 0, 1, True) == 2
    # W=6, K=3, S=3, P=1: ceil((6+2−3)/3)+1 = 3; window 3 starts at 6 ≥ 6+1? no → 3
    assert arith.pool_out(6, 3, 3, 1, 1, True) == 3
    # W=5, K=3, S=3, P=1: ceil((5+2−3)/3)+1 = 3; starts at 6 ≥ 5+1 → dropped → 2
    assert arith.pool_out(5, 3, 3, 1, 1, True) == 2


def test_transposed_out() -> None:
    # (W−1)·S − 2P + D·(F−1) + OP + 1 = 6·2 − 2 + 2 + 1 + 1 = 14 (DCGAN-style upsample)
    assert arith.transposed_out(7, 3, 2, 1, 1, 1) == 14
    # 4x4 stride 2 pad 1: (16−1)·2 − 2 + 3 + 1 = 32
    assert arith.transposed_out(16, 4, 2, 1, 1, 0) == 32


def test_unread_tail() -> None:
    # pool 2 on 191: (191 − 2)/2 = 94.5 → 95 windows read 0..189; row 190 is never read
    assert arith.unread_tail(191, 2, 2, 0, 0, 1, 95) == arith.Unread(190, 190, 0)
    # conv 3 s3 on 200 (no pad): 66 windows read up to 197; 198–199 unread
    assert arith.unread_tail(200, 3, 3, 0, 0, 1, 66) == arith.Unread(198, 199, 0)
    # W=6, F=3, S=2, P=1: (6+2−3)/2 = 2.5 → 3 windows, last reads 3..5: only padding left
    assert arith.unread_tail(6, 3, 2, 1, 1, 1, 3) == arith.Unread(None, None, 1)
    assert arith.unread_tail(7, 3, 2, 1, 1, 1, 4) is None


def test_exact_ratio() -> None:
    assert arith.exact_ratio(191, 2) == "95.5"
    assert arith.exact_ratio(190, 2) == "95"
    assert arith.exact_ratio(200, 3) == "66.67"
    assert arith.exact_ratio(-7, 2) == "-3.5"  # (5 − 10 + 0 − 2)/2: a window wider than its input
    assert arith.exact_ratio(199, 200) == "1"  # 0.995 rounds up to a whole
    assert arith.exact_ratio(10**30 + 1, 3) == "333333333333333333333333333333.67"  # no float
