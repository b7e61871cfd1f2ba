// SummaryMetadata for each TensorBoard plugin, as TensorBoard's own summary ops write it: plugin_data {plugin_name,
// content} where content is the plugin's serialized *PluginData message (empty at version 0 for scalars, histograms,
// images and text). data_class is left unset, as TensorFlow leaves it: TensorBoard's dataclass_compat fills it in
// from the plugin name on load.
import type { tensorflow } from '@tensorgraft/proto';

export type PluginName = 'scalars' | 'histograms' | 'images' | 'text' | 'hparams';

type MetadataProps = tensorflow.SummaryMetadata.$Properties;

const cache = new Map<string, MetadataProps>();

/** Metadata naming `plugin`, with `content` (a serialized plugin-data message; empty for version 0). */
export function pluginMetadata(plugin: PluginName, content?: Uint8Array): MetadataProps {
  if (content !== undefined && content.length > 0) return { plugin_data: { plugin_name: plugin, content } };
  let m = cache.get(plugin);
  if (!m) {
    m = { plugin_data: { plugin_name: plugin } };
    cache.set(plugin, m);
  }
  return m;
}
