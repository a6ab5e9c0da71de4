/** Reads a `StateObservable` of the client (e.g. `status$`) in a component. */
import type { StateObservable } from 'companion-chat'
import { useCallback, useSyncExternalStore } from 'react'

/** The observable's current value; the component re-renders when it emits. */
export function useObservableValue<T>(observable: StateObservable<T>): T {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const subscription = observable.subscribe(onChange)
      return () => subscription.unsubscribe()
    },
    [observable],
  )
  return useSyncExternalStore(subscribe, () => observable.value)
}
