// Registers the seven iotnets search spaces with the zoo registry.
import './random_net_densenet.js';
import './random_net_googlenet.js';
import './random_net_mobilenetv2.js';
import './random_net_pnasnet.js';
import './random_net_probenet_s.js';
import './random_net_resnet.js';
import './random_net_resnext.js';
