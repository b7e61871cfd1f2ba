// The TypeScript shape of a decode view: the generated class's fields, read-only, with nested messages as views.
import type Long from 'long';

type Scalar = string | number | boolean | Long | Uint8Array;

/** Marks view types (type-level only: no such property exists at run time). */
declare const VIEW: unique symbol;

/** Any decode view, whatever its message type. */
export interface AnyMessageView {
  readonly [VIEW]: true;
}

/** The view type decodeView gives for a generated class C (e.g. typeof tensorflow.GraphDef). */
export type ViewOf<C> = C extends abstract new (...args: never[]) => infer I ? MessageView<I> : never;

/** A field's type as a view returns it. */
export type ViewField<V> = [NonNullable<V>] extends [never]
  ? V
  : NonNullable<V> extends Scalar
    ? // A oneof's "which member" name (a union of literals) is undefined when no member is set.
      string extends NonNullable<V>
      ? NonNullable<V>
      : NonNullable<V> extends string
        ? NonNullable<V> | undefined
        : NonNullable<V>
    : NonNullable<V> extends readonly (infer E)[]
      ? readonly ElementView<E>[]
      : string extends keyof NonNullable<V>
        ? { readonly [k: string]: ElementView<NonNullable<V>[string]> }
        : MessageView<NonNullable<V>> | null;

/** An element of a repeated field or a map value: never null. */
export type ElementView<E> = NonNullable<E> extends Scalar ? NonNullable<E> : MessageView<NonNullable<E>>;

/** A read-only view of a message of type T (see decodeView). */
export type MessageView<T> = {
  readonly [K in keyof T as K extends '$unknowns'
    ? never
    : T[K] extends (...args: never[]) => unknown
      ? never
      : K]-?: ViewField<T[K]>;
} & AnyMessageView & { readonly $unknowns?: readonly Uint8Array[] };
