"""Published figures the tests compare with, kept in one place (no test module
imports another)."""

from __future__ import annotations

# torchvision's weights metadata: input size, num_params and _ops (GMACs, which its docs
# call GFLOPS), as published in each model's Weights.meta
PUBLISHED = {
    "alexnet": (224, 61_100_840, 0.714),
    "vgg11": (224, 132_863_336, 7.609),
    "vgg16": (224, 138_357_544, 15.47),
    "vgg16_bn": (224, 138_365_992, 15.47),
    "vgg19_bn": (224, 143_678_248, 19.632),
    "resnet18": (224, 11_689_512, 1.814),
    "resnet34": (224, 21_797_672, 3.664),
    "resnet50": (224, 25_557_032, 4.089),
    "resnet101": (224, 44_549_160, 7.801),
    "resnet152": (224, 60_192_808, 11.514),
    "resnext50_32x4d": (224, 25_028_904, 4.23),
    "wide_resnet50_2": (224, 68_883_240, 11.398),
    "mobilenet_v2": (224, 3_504_872, 0.301),
    "squeezenet1_0": (224, 1_248_424, 0.819),
    "squeezenet1_1": (224, 1_235_496, 0.349),
    "googlenet": (224, 6_624_904, 1.498),
    "densenet121": (224, 7_978_856, 2.834),
    "densenet169": (224, 14_149_480, 3.36),
    "mnasnet1_0": (224, 4_383_312, 0.314),
    "regnet_x_400mf": (224, 5_495_976, 0.414),
    "mobilenet_v3_large": (224, 5_483_032, 0.217),
    "mobilenet_v3_small": (224, 2_542_856, 0.057),
    "efficientnet_b0": (224, 5_288_548, 0.386),
    "efficientnet_b1": (240, 7_794_184, 0.687),
    "efficientnet_b2": (288, 9_109_994, 1.088),
    "efficientnet_b3": (300, 12_233_232, 1.827),
    "efficientnet_b4": (380, 19_341_616, 4.394),
    "efficientnet_b5": (456, 30_389_784, 10.266),
    "efficientnet_b6": (528, 43_040_704, 19.068),
    "efficientnet_b7": (600, 66_347_960, 37.746),
    "efficientnet_v2_s": (384, 21_458_488, 8.366),
    "efficientnet_v2_m": (480, 54_139_356, 24.582),
    "efficientnet_v2_l": (480, 118_515_272, 56.08),
    "regnet_y_400mf": (224, 4_344_144, 0.402),
    "convnext_tiny": (224, 28_589_128, 4.456),
    "shufflenet_v2_x1_0": (224, 2_278_604, 0.145),
    "resnext101_32x8d": (224, 88_791_336, 16.414),
    "resnext101_64x4d": (224, 83_455_272, 15.46),
    "wide_resnet101_2": (224, 126_886_696, 22.753),
    "regnet_x_800mf": (224, 7_259_656, 0.8),
    "regnet_x_1_6gf": (224, 9_190_136, 1.603),
    "regnet_x_3_2gf": (224, 15_296_552, 3.177),
    "regnet_x_8gf": (224, 39_572_648, 7.995),
    "regnet_x_16gf": (224, 54_278_536, 15.941),
    "regnet_x_32gf": (224, 107_811_560, 31.736),
    "regnet_y_800mf": (224, 6_432_512, 0.834),
    "regnet_y_1_6gf": (224, 11_202_430, 1.612),
    "regnet_y_3_2gf": (224, 19_436_338, 3.176),
    "regnet_y_8gf": (224, 39_381_472, 8.473),
    "regnet_y_16gf": (224, 83_590_140, 15.912),
    "regnet_y_32gf": (224, 145_046_770, 32.28),
    "regnet_y_128gf": (224, 644_812_894, 127.518),  # its SWAG_LINEAR weights, at 224
    "vit_b_16": (224, 86_567_656, 17.564),
    "vit_b_32": (224, 88_224_232, 4.409),
    "vit_l_16": (224, 304_326_632, 61.555),
    "vit_l_32": (224, 306_535_400, 15.378),
    "vgg11_bn": (224, 132_868_840, 7.609),
    "vgg13": (224, 133_047_848, 11.308),
    "vgg13_bn": (224, 133_053_736, 11.308),
    "vgg19": (224, 143_667_240, 19.632),
    "mnasnet0_5": (224, 2_218_512, 0.104),
    "mnasnet0_75": (224, 3_170_208, 0.215),
    "mnasnet1_3": (224, 6_282_256, 0.526),
    "shufflenet_v2_x0_5": (224, 1_366_792, 0.04),
    "shufflenet_v2_x1_5": (224, 3_503_624, 0.296),
    "shufflenet_v2_x2_0": (224, 7_393_996, 0.583),
    "densenet161": (224, 28_681_000, 7.728),
    "densenet201": (224, 20_013_928, 4.291),
    "convnext_small": (224, 50_223_688, 8.684),
    "convnext_base": (224, 88_591_464, 15.355),
    "convnext_large": (224, 197_767_336, 34.361),
}

# torchvision.models.video's weights metadata (Kinetics-400): the input (C, T, H, W) its
# docs give, num_params and _ops (GMACs)
PUBLISHED_VIDEO: dict[str, tuple[tuple[int, ...], int, float]] = {
    "r3d_18": ((3, 16, 112, 112), 33_371_472, 40.697),
    "mc3_18": ((3, 16, 112, 112), 11_695_440, 43.343),
    "r2plus1d_18": ((3, 16, 112, 112), 31_505_325, 40.519),
    "s3d": ((3, 16, 224, 224), 8_320_048, 17.979),
}

# torchvision.models.segmentation's weights metadata (COCO with VOC labels, 21 classes
# at 520x520, aux heads counted): num_params and _ops
PUBLISHED_SEGMENTATION = {
    "fcn_resnet101": (520, 54_314_346, 232.738),
    "deeplabv3_resnet101": (520, 60_996_202, 258.743),
    "deeplabv3_mobilenet_v3_large": (520, 11_029_328, 10.452),
}
