// A page that reads one tensor of a TensorFlow checkpoint straight from a static HTTP server: the index, then only
// that tensor's bytes (HTTP Range requests), with @tensorgraft/bundle-io/browser. Open
//   index.html?ckpt=<URL of the checkpoint prefix>&tensor=<tensor name>
import { openCheckpointAt } from '@tensorgraft/bundle-io/browser';

const out = document.getElementById('out') as HTMLElement;
const status = document.getElementById('status') as HTMLElement;

async function show(): Promise<void> {
  const params = new URLSearchParams(location.search);
  const ckpt = new URL(params.get('ckpt') ?? 'ckpt/model.ckpt', location.href).href;
  const name = params.get('tensor');
  const reader = await openCheckpointAt(ckpt);
  try {
    const tensorName = name ?? reader.keys()[0];
    if (tensorName === undefined) throw new Error(`${ckpt} holds no tensors`);
    const tensor = await reader.get(tensorName);
    const values = Array.from(tensor.data as ArrayLike<number | bigint | boolean>, (v) =>
      typeof v === 'bigint' ? v.toString() : v,
    );
    document.getElementById('name')!.textContent = tensorName;
    document.getElementById('meta')!.textContent =
      `${tensor.dtype} [${tensor.shape.join(', ')}] · ${reader.keys().length} tensors in the checkpoint · ` +
      `${reader.bytesRead} bytes fetched`;
    out.textContent = JSON.stringify(values);
    out.dataset.bytesRead = String(reader.bytesRead);
    status.textContent = 'done';
  } finally {
    await reader.close();
  }
}

show().catch((err: unknown) => {
  status.textContent = `error: ${err instanceof Error ? err.message : String(err)}`;
});
