/** The page: the mock shop, with the companion panel at its side. */
import { useShopActions } from '../use-shop-actions'
import { CompanionPanel } from './CompanionPanel'
import { ShopPage } from './ShopPage'

export function App() {
  useShopActions()
  return (
    <div className="layout">
      <ShopPage />
      <CompanionPanel />
    </div>
  )
}
