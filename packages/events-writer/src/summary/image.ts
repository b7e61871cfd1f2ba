// Images, the TF2 form (tensorboard/plugins/image/summary_v2.py):
//   Summary.Value {tag, tensor: DT_STRING [2 + n] = ["<width>", "<height>", png_0, ..., png_n-1],
//                  metadata: plugin "images" (ImagePluginData version 0: empty content)}
// Pixels come in HWC order (one image) or NHWC (a batch), as uint8 or as floats in [0, 1]; floats are converted the
// way tf.image.convert_image_dtype(saturate=True) does: trunc(clamp(x * 255.5, 0, 255)).
import type { tensorflow } from '@tensorgraft/proto';
import { encode as encodePng } from 'fast-png';
import { EventsError } from '../errors.js';
import { pluginMetadata } from './plugin-metadata.js';
import { type TensorLike, tensorValues } from './tensor-like.js';
import { stringTensor } from './tensors.js';

export interface ImageShape {
  height: number;
  width: number;
  /** 1 (grey), 2 (grey + alpha), 3 (RGB) or 4 (RGBA). */
  channels: number;
}

export interface ImageOptions extends ImageShape {
  /** At most this many images of a batch are written (TensorFlow's max_outputs; default 3). */
  maxOutputs?: number;
}

export const DEFAULT_MAX_OUTPUTS = 3;
/** Largest side accepted; PNG allows 2^31 - 1 but TensorBoard shows nothing useful past this. */
export const MAX_IMAGE_SIDE = 1 << 15;

export type PixelData = Uint8Array | Uint8ClampedArray | Float32Array | Float64Array | readonly number[];

export function imageValue(
  tag: string,
  pixels: PixelData,
  options: ImageOptions,
): tensorflow.Summary.Value.$Properties {
  const { height, width, channels } = options;
  for (const [name, v] of [
    ['height', height],
    ['width', width],
  ] as const) {
    if (!Number.isInteger(v) || v < 1 || v > MAX_IMAGE_SIDE) {
      throw new EventsError('INVALID_VALUE', `image ${name} must be an integer from 1 to ${MAX_IMAGE_SIDE}, got ${v}`, {
        tag,
      });
    }
  }
  if (channels !== 1 && channels !== 2 && channels !== 3 && channels !== 4) {
    throw new EventsError('INVALID_VALUE', `image channels must be 1, 2, 3 or 4, got ${channels}`, { tag });
  }
  const maxOutputs = options.maxOutputs ?? DEFAULT_MAX_OUTPUTS;
  if (!Number.isInteger(maxOutputs) || maxOutputs < 1) {
    throw new EventsError('INVALID_VALUE', `maxOutputs must be a positive integer, got ${maxOutputs}`, { tag });
  }
  if (pixels === null || typeof pixels !== 'object' || typeof pixels.length !== 'number') {
    throw new EventsError('INVALID_VALUE', 'image pixels must be a Uint8Array, a float array or an array of numbers', {
      tag,
    });
  }
  const perImage = height * width * channels;
  if (pixels.length === 0 || pixels.length % perImage !== 0) {
    throw new EventsError(
      'INVALID_VALUE',
      `image data has ${pixels.length} values, not a multiple of height ${height} x width ${width} x channels ${channels} = ${perImage}`,
      { tag },
    );
  }
  const count = Math.min(pixels.length / perImage, maxOutputs);
  const elements: Uint8Array[] = [utf8(String(width)), utf8(String(height))];
  for (let i = 0; i < count; i++) {
    const data = toUint8(pixels, i * perImage, perImage, tag);
    elements.push(encodePng({ width, height, data, channels, depth: 8 }));
  }
  return { tag, tensor: stringTensor(elements, 1), metadata: pluginMetadata('images') };
}

function toUint8(pixels: PixelData, start: number, length: number, tag: string): Uint8Array {
  if (pixels instanceof Uint8Array || pixels instanceof Uint8ClampedArray) {
    return new Uint8Array(pixels.buffer, pixels.byteOffset + start, length);
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const x = pixels[start + i];
    if (typeof x !== 'number') {
      throw new EventsError('INVALID_VALUE', `image pixel ${start + i} is ${typeof x}, not a number`, { tag });
    }
    // NaN compares false both ways and lands on 0, as saturate_cast does.
    const scaled = x * 255.5;
    out[i] = scaled >= 255 ? 255 : scaled > 0 ? Math.trunc(scaled) : 0;
  }
  return out;
}

const encoder = new TextEncoder();
function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * A tensor of pixels as imageValue takes them: its shape gives height, width and channels where the options leave
 * them out ([H, W], [H, W, C] or [N, H, W, C]); int32 tensors hold 0..255 (as uint8 images), float ones [0, 1].
 */
export function imageFromTensor(
  t: TensorLike,
  options: Partial<ImageOptions>,
  tag: string,
): { pixels: PixelData; options: ImageOptions } {
  const shape = t.shape;
  if (shape.length < 2 || shape.length > 4) {
    throw new EventsError('INVALID_VALUE', `an image tensor is [H, W], [H, W, C] or [N, H, W, C], got [${shape}]`, {
      tag,
    });
  }
  const hwc = shape.length === 4 ? shape.slice(1) : shape.length === 3 ? shape : [...shape, 1];
  const values = tensorValues(t, 'image pixels', tag);
  let pixels: PixelData;
  if (t.dtype === 'int32' || t.dtype === 'bool') {
    const out = new Uint8Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!(v >= 0 && v <= 255)) {
        throw new EventsError('INVALID_VALUE', `an int32 image holds 0..255, pixel ${i} is ${v}`, { tag });
      }
      out[i] = t.dtype === 'bool' ? v * 255 : v;
    }
    pixels = out;
  } else {
    pixels = values as Float32Array;
  }
  return {
    pixels,
    options: {
      ...options,
      height: options.height ?? hwc[0]!,
      width: options.width ?? hwc[1]!,
      channels: options.channels ?? hwc[2]!,
    },
  };
}
