/**
 * The message actions the SDK leaves to the shop (`actions$`): `show-product` and
 * `compare-products` put the products into the user context and scroll to them.
 */
import type { JsonValue } from 'companion-chat'
import { useChatClient } from 'companion-chat/react'
import { useEffect } from 'react'
import { showProductCard } from './show-product'

export function useShopActions(): void {
  const client = useChatClient()
  useEffect(() => {
    const subscription = client.actions$.subscribe(({ action }) => {
      const payload = action.payload ?? {}
      const ids =
        action.type === 'show-product' ? strings([payload['productId']]) : action.type === 'compare-products' ? strings(payload['productIds']) : []
      const [first] = ids
      if (first === undefined) return // an action the demo does not know
      void client.updateUserContext({ currentProducts: ids })
      showProductCard(first)
    })
    return () => subscription.unsubscribe()
  }, [client])
}

function strings(value: JsonValue | readonly (JsonValue | undefined)[] | undefined): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : []
}
