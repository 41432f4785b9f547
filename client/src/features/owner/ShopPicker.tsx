import type { Shop } from '../../api/types';
import { useI18n } from '../../i18n';

export function ShopPicker({ list, shop, onChange }: { list: Shop[]; shop: Shop | null; onChange: (id: string) => void }) {
  const { t } = useI18n();
  if (list.length < 2 || !shop) return null;
  return (
    <label className="field">
      <span>{t('dash.pickShop')}</span>
      <select value={shop.id} onChange={(e) => onChange(e.target.value)}>
        {list.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
      </select>
    </label>
  );
}
