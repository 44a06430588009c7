// Registers the named models in the original's order: KUANGLIU_NETS, PROBE_NETS, SYNTH_NETS.
import './cifar.js';
import './probenets.js';
import './synth.js';
