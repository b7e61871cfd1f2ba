// TF-slim vgg_16's variable names and shapes (138,357,544 float32): the checkpoint the bundle-io and storage benches
// save and restore.
export const VGG16: [string, number[]][] = [];
{
  const convs: [string, number, number][] = [
    ['conv1/conv1_1', 3, 64],
    ['conv1/conv1_2', 64, 64],
    ['conv2/conv2_1', 64, 128],
    ['conv2/conv2_2', 128, 128],
    ['conv3/conv3_1', 128, 256],
    ['conv3/conv3_2', 256, 256],
    ['conv3/conv3_3', 256, 256],
    ['conv4/conv4_1', 256, 512],
    ['conv4/conv4_2', 512, 512],
    ['conv4/conv4_3', 512, 512],
    ['conv5/conv5_1', 512, 512],
    ['conv5/conv5_2', 512, 512],
    ['conv5/conv5_3', 512, 512],
  ];
  for (const [n, cin, cout] of convs) {
    VGG16.push([`vgg_16/${n}/weights`, [3, 3, cin, cout]], [`vgg_16/${n}/biases`, [cout]]);
  }
  VGG16.push(['vgg_16/fc6/weights', [7, 7, 512, 4096]], ['vgg_16/fc6/biases', [4096]]);
  VGG16.push(['vgg_16/fc7/weights', [1, 1, 4096, 4096]], ['vgg_16/fc7/biases', [4096]]);
  VGG16.push(['vgg_16/fc8/weights', [1, 1, 4096, 1000]], ['vgg_16/fc8/biases', [1000]]);
}
