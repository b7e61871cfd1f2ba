// What the backbone is fed. TF-slim's VGG weights were trained on vgg_preprocessing's input: RGB in 0..255 minus the
// ImageNet channel means (_R_MEAN, _G_MEAN, _B_MEAN in tf-models' research/slim/preprocessing/vgg_preprocessing.py).
// The seeded weights were made for the dataset's own [0, 1] pixels, which they keep.

export const IMAGENET_RGB_MEANS = [123.68, 116.78, 103.94] as const;

export type Preprocess = (rgb01: Float32Array) => Float32Array;

/** HWC/NHWC RGB in [0, 1] -> 0..255 minus the ImageNet channel means, as TF-slim's VGG expects. */
export const vggPreprocess: Preprocess = (rgb01) => {
  const out = new Float32Array(rgb01.length);
  for (let i = 0; i < rgb01.length; i++) out[i] = rgb01[i]! * 255 - IMAGENET_RGB_MEANS[i % 3]!;
  return out;
};

/** The pixels as they are ([0, 1]), for the seeded weights. */
export const noPreprocess: Preprocess = (rgb01) => rgb01;

/** The Python hint's words for what `images` must be. */
export function describePreprocess(realWeights: boolean): string {
  return realWeights
    ? `RGB 0..255 minus the ImageNet channel means [${IMAGENET_RGB_MEANS.join(', ')}] (TF-slim vgg_preprocessing), NHWC float32`
    : 'RGB in [0, 1], NHWC float32 (what the seeded weights were made for)';
}
