/**
 * The SDK's worker as an app bundles it (`new Worker(new URL('companion-chat/worker', import.meta.url))`),
 * with the transaction recorder of `spans.ts` loaded first. Nothing else is added.
 */
import './spans.js'
import 'companion-chat/worker'
