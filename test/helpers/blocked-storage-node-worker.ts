/** The worker_threads entry with IndexedDB blocked before it runs (see blocked-storage-setup.ts). */
import './blocked-storage-setup.js'
import '../../worker/node.js'
