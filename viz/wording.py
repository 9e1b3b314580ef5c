"""The reports' English and Chinese wording that is built in Python: one catalogue, ``{key: {"en": ..., "zh": ...}}``.

Fixed page text (headings, table heads, the protective-action sentences) lives in the templates, one per language;
what ``scenarios`` has to assemble from results — labels for codes (receptor kinds, model ids, flood hazard classes)
and sentences with numbers (validity, zone notes, weather) — lives here, so each English wording sits next to its
Chinese one and a translation cannot lose a number without the catalogue test noticing (both languages must name the
same placeholders).

Keys are ``group.code``: :func:`terms` gives a whole group as ``{code: text}`` (what the ``*_ZH`` dicts of
``scenarios`` are now built from), :func:`term` one text, and :func:`sentence` one text with its ``str.format``
placeholders filled (format specs as in the f-strings they replace, so the output is the same to the byte). For code
groups whose English page shows the code itself (receptor kinds, source-model ids, ...), the English text is the code.
"""

from __future__ import annotations

__all__ = ["CATALOGUE", "LANGUAGES", "sentence", "term", "terms"]

LANGUAGES = ("en", "zh")


def _codes(group: str, zh: dict[str, str]) -> dict[str, dict[str, str]]:
    """Catalogue entries of a code group whose English text is the code itself."""
    return {f"{group}.{code}": {"en": code, "zh": text} for code, text in zh.items()}


CATALOGUE: dict[str, dict[str, str]] = {
    # park.yaml receptor kinds (the English plan shows the kind as written in park.yaml)
    **_codes("receptor_kind", {"residential": "居民区", "school": "学校", "hospital": "医院",
                               "water_source": "饮用水水源保护区", "fence": "厂界", "other": "其他"}),
    # HJ 169-2018 Appendix H thresholds (毒性终点浓度); AEGL and ERPG are proper names and keep theirs
    **_codes("threshold", {"HJ 169 endpoint-1": "毒性终点浓度-1", "HJ 169 endpoint-2": "毒性终点浓度-2"}),
    # ParkTwin's default response grading (to be aligned with each park's own emergency plan)
    "response_rule.I": {"en": "endpoint-1 reached at a residential area, school or hospital",
                        "zh": "居民区、学校或医院处达到毒性终点浓度-1"},
    "response_rule.II": {"en": "endpoint-2 reached at a residential area, school or hospital",
                         "zh": "居民区、学校或医院处达到毒性终点浓度-2"},
    "response_rule.III": {"en": "endpoint-2 reached beyond the park's fence line, but at no residential area, school "
                                "or hospital",
                          "zh": "厂界外达到毒性终点浓度-2，但居民区、学校、医院处未达到"},
    "response_rule.IV": {"en": "endpoint-2 not reached beyond the fence line", "zh": "厂界外未达到毒性终点浓度-2"},
    # dispersion models of the leak (HJ 169-2018 G.2.1 choice)
    "dispersion_model.slab": {"en": "dense-gas model (SLAB equations)", "zh": "重质气体模型（SLAB 模型方程）"},
    "dispersion_model.gaussian_puff": {"en": "Gaussian puffs (neutral or light gas)",
                                       "zh": "高斯烟团模型（中性或轻质气体）"},
    # the model choice explained (scenarios.leak.dispersion); the English names the model of the choice shorter
    "dispersion_choice.slab": {"en": "dense-gas model (SLAB equations)", "zh": "重质气体模型（SLAB 模型方程）"},
    "dispersion_choice.gaussian_puff": {"en": "Gaussian puffs", "zh": "高斯烟团模型（中性或轻质气体）"},
    "dispersion_rule.aerosol": {"en": ", {fraction:.0%} of it as aerosol", "zh": "，其中 {fraction:.0%} 为液滴（气溶胶）"},
    "dispersion_rule.what": {
        "en": "release density {rho:.3g} kg/m³ at {celsius:.1f} °C{aerosol} against air {rho_air:.3g} kg/m³; {verdict}",
        "zh": "排放物密度 {rho:.3g} kg/m³（{celsius:.1f} °C{aerosol}），空气 {rho_air:.3g} kg/m³；{verdict}"},
    "dispersion_rule.auto": {"en": "HJ 169-2018 G.2.1 model choice: {what} → {model}",
                             "zh": "按 HJ 169-2018 G.2.1 选择模型：{what} → {model}"},
    # the English quotes the scenario's setting, the Chinese names the model it selects
    "dispersion_rule.forced": {
        "en": "model forced by the scenario (dispersion_model: {forced}); the HJ 169-2018 G.2.1 rule says: {what}",
        "zh": "情景指定{model}；HJ 169-2018 G.2.1 判据：{what}"},
    # the Chinese says 该物质 (the substance) instead of quoting its table key
    "dispersion_rule.missing": {
        "en": "; the dense-gas model cannot run: twin/chemicals.csv has no {names} for {substance_key} (needed "
              "because the release is below its boiling point or carries aerosol, so it can condense) — Gaussian "
              "puffs instead, outside their validity for a dense gas: add the properties to run it",
        "zh": "；重质气体模型无法运行：物性表缺少该物质的{names}（排放物低于沸点或含液滴，可能冷凝）——改用高斯烟团模型，"
              "对重质气体超出其适用范围：补充物性参数后可运行重质气体模型"},
    "dispersion_rule.buoyant": {"en": "; lighter than air: buoyant rise with F = {flux:.3g} m⁴/s³ (Briggs 1975)",
                                "zh": "；轻于空气：按 Briggs (1975) 浮力抬升，F = {flux:.3g} m⁴/s³"},
    # source-term models (the English plan shows the model id)
    **_codes("source_model", {"direct": "给定源强直接释放", "liquid_spill": "给定液体泄漏速率（液池蒸发）",
                              "tank_liquid_hole": "储罐液相孔口泄漏", "tank_gas_hole": "储罐气相孔口泄漏",
                              "tank_two_phase_hole": "储罐两相流孔口泄漏", "pipe_liquid": "管道液体泄漏",
                              "pipe_gas": "管道气体泄漏", "pipe_two_phase": "管道两相流泄漏"}),
    **_codes("hole_shape", {"circular": "圆形", "triangular": "三角形", "rectangular": "矩形"}),
    # twin/chemicals.csv columns SLAB needs, named in the dense-gas verdict
    **_codes("chemical_property", {"heat_capacity_ratio": "比热容比", "heat_of_vaporization_j_kg": "汽化热",
                                   "liquid_heat_capacity_j_kg_k": "液体比热容", "liquid_density_kg_m3": "液体密度",
                                   "boiling_point": "沸点"}),
    **_codes("stability_method", {"gb3840": "GB/T 3840-91 规定的方法", "turner": "Turner 净辐射指数法"}),
    # the source models' rules, in the terms of HJ 169-2018 (闪蒸, 液池, 热量蒸发, 质量蒸发)
    "source_rule.two_phase": {
        "en": "two-phase rule: HJ 169-2018 F.1.3 takes the two-phase rate Q_LG as the rate into the air; all of it "
              "is counted airborne — the flash fraction as vapour and the liquid fraction as aerosol carried with "
              "the cloud (no rain-out, no pool)",
        "zh": "两相流规则：按 HJ 169-2018 F.1.3，以两相流泄漏速率 Q_LG 作为进入大气的速率；全部计入大气——"
              "闪蒸部分为蒸气，液相部分为随云团迁移的液滴（气溶胶）（不考虑液滴沉降，不形成液池）"},
    "source_rule.pool": {
        "en": "pool rule: the liquid not flashed forms a pool (bund area, else gravity spreading down to the minimum "
              "thickness); it evaporates by heat transfer from the ground if it boils at the air temperature "
              "(HJ 169-2018 Eq. F.11), else by mass transfer (Eq. F.12; stability class C, which Table F.3 lacks, "
              "uses the neutral row), until it is gone or the duration limit; what is left then stays as the pool",
        "zh": "液池规则：未闪蒸的液体形成液池（有围堰时取围堰面积，否则按重力扩展至最小液层厚度）；液体在气温下沸腾时"
              "按地面传热的热量蒸发计算（HJ 169-2018 式 F.11），否则按质量蒸发计算（式 F.12；表 F.3 无稳定度 C "
              "类，取中性行），直至液池蒸发完毕或达到泄漏持续时间上限；届时剩余的液体仍留作液池"},
    # the leak's weather
    "weather.hj169_worst": {"en": "HJ 169-2018 worst case: stability F, 1.5 m/s, 25 °C, 50 % RH",
                            "zh": "HJ 169-2018 最不利气象条件：大气稳定度 F 类，风速 1.5 m/s，气温 25 °C，相对湿度 50 %"},
    "weather.most_common": {
        "en": "HJ 169-2018 most common conditions (rule quoted from memory, unverified) of {hours} h of weather from "
              "{source}: {conditions}; mixing height {mixing_height:.0f} m (median of those hours)",
        "zh": "HJ 169-2018 最常见气象条件（规则凭记忆引用，未经核实），依据{source} {hours} h 气象资料：{conditions}；"
              "混合层高度 {mixing_height:.0f} m（上述小时的中位数）"},
    "weather.most_common.file": {"en": "{path}", "zh": " {path} 中"},
    "weather.most_common.synthetic": {"en": "the synthetic generator", "zh": "合成气象生成器给出的"},
    "weather.wind_from": {"en": "{text}, wind from {direction:.0f}°", "zh": "{text}，风向 {direction:.0f}°（来向）"},
    "weather.typhoon": {"en": "the typhoon's 10 m wind at the park (Holland vortex, class D) from {start}",
                        "zh": "台风在园区处的 10 m 风场（Holland 台风风场模型，大气稳定度 D 类），起始时间 {start}"},
    "weather.hourly": {"en": "hourly weather from {source} ({method})",
                       "zh": "逐时气象资料，来自{source}（大气稳定度分类方法：{method}）"},
    "weather.hourly.file": {"en": "{path}", "zh": " {path}"},
    "weather.hourly.synthetic": {"en": "the synthetic generator", "zh": "合成气象生成器"},
    # the lethality probit
    "probit.equation": {"en": "Y = {a:g} + {b:g} ln(Σ C^{n:g} Δt), C in mg/m3, Δt in min; P = Φ(Y − 5)",
                        "zh": "Y = {a:g} + {b:g} ln(Σ C^{n:g} Δt)，式中 C 为浓度（mg/m³），Δt 为时间步长（min）；"
                              "P = Φ(Y − 5)"},
    # how a threat zone was measured or limited
    "zone_note.narrow": {
        "en": "narrower than the map's {spacing:g} m cells (widest {width:.0f} m): distance and area from the transect "
              "along the cloud's path, the map shows only part of it",
        "zh": "威胁区窄于地图网格（{spacing:g} m，最宽 {width:.0f} m）：距离与面积按沿烟云路径的加密断面计算，"
              "地图仅显示其一部分"},
    "zone_note.limited": {
        "en": "reaches beyond {limit_km:g} km ({distance_km:.1f} km under the constant weather); shown to "
              "{limit_km:g} km, where one constant hour of weather stops being credible",
        "zh": "超出 {limit_km:g} km（恒定气象条件下为 {distance_km:.1f} km）；仅给出 {limit_km:g} km 以内，"
              "更远处单一恒定气象条件已不可信"},
    "zone_note.limited_open": {
        "en": "reaches beyond {limit_km:g} km ({distance_km:.1f} km when the simulation ends, still growing beyond "
              "{tail_km:.1f} km, where the cloud's tail is then); shown to {limit_km:g} km, where one constant hour "
              "of weather stops being credible",
        "zh": "超出 {limit_km:g} km（模拟结束时为 {distance_km:.1f} km，烟云尾部所在的 {tail_km:.1f} km 以外仍在增长）；"
              "仅给出 {limit_km:g} km 以内，更远处单一恒定气象条件已不可信"},
    "zone_note.open_ended": {
        "en": "at least {distance_km:.1f} km: when the simulation ends the cloud's tail is at {tail_km:.1f} km and "
              "the means beyond it are still growing (a longer simulation_hours shows how far the zone reaches)",
        "zh": "至少 {distance_km:.1f} km：模拟结束时烟云尾部位于 {tail_km:.1f} km，其外浓度均值仍在增长"
              "（延长模拟时长可算出威胁区实际范围）"},
    # how far and how long the leak's answer holds
    "validity.hourly": {
        "en": "hourly weather carries the cloud (each hour's wind, class and mixing height); the answer holds as long "
              "as the weather file covers the simulation",
        "zh": "烟云随逐时气象（每小时的风、稳定度与混合层高度）输送；在气象资料覆盖的时段内有效"},
    "validity.dense_gas_weather": {"en": "the dense-gas model runs on one constant weather (the first hour's)",
                                   "zh": "重质气体模型采用单一恒定气象条件（首小时）"},
    "validity.preset_weather": {"en": "one constant preset weather", "zh": "采用单一恒定的预设气象条件"},
    "validity.constant": {
        "en": "{model}: zones are stopped at {limit_km:g} km from the source (as ALOHA does) — beyond that, and more "
              "than about an hour after the release ends, the wind will not have stayed the same",
        "zh": "{model}：威胁区在距源 {limit_km:g} km 处截止（与 ALOHA 做法一致），更远处或泄漏结束约一小时之后，"
              "风况不会保持不变"},
    "validity.followed": {
        "en": "the cloud was followed for {window_min:g} min, the thresholds' averaging window, not the "
              "{asked_min:g} min of simulation_hours; ",
        "zh": "烟云跟踪 {window_min:g} 分钟（阈值的平均时间），而非设定的 {asked_min:g} 分钟；"},
    "validity.stopped": {"en": "; stopped there: {names}", "zh": "；在该处截止的有：{names}"},
    # punctuation between the items of a list and between clauses
    "separator.list": {"en": ", ", "zh": "、"},
    "separator.clause": {"en": "; ", "zh": "；"},
    # the leak ensemble's perturbed parameters, their distributions and units (the English plan shows the names)
    **_codes("perturbation", {"wind_direction_offset": "风向偏移", "stability_shift": "大气稳定度级别偏移",
                              "wind_speed_factor": "风速系数", "mixing_height_factor": "混合层高度系数",
                              "emission_factor": "源强系数", "hole_diameter_factor": "泄漏孔径系数"}),
    **_codes("distribution_word", {"distribution": "分布", "uniform": "均匀分布", "normal": "正态分布",
                                   "lognormal": "对数正态分布", "low": "下限", "high": "上限", "mean": "均值",
                                   "std": "标准差", "median": "中位数", "sigma_ln": "对数标准差"}),
    **_codes("unit", {"degree": "°", "class": "级", "1": "无量纲"}),
    "ensemble.contour": {"en": "P({endpoint}) >= {level:.0%}", "zh": "P（{endpoint}）≥ {level:.0%}"},
    "ensemble.standard_error": {"en": "Monte Carlo standard error sqrt(p(1-p)/N): at most {bound:.2f} with "
                                      "N = {members}",
                                "zh": "蒙特卡罗标准误差 √(p(1−p)/N) 不超过 {bound:.2f}（N = {members}）"},
    # the typhoon report: risk-unit kinds, FD2320 (Defra/EA 2006) flood hazard classes, rain models
    **_codes("asset_kind", {"tank": "储罐", "pipe": "管道", "warehouse": "仓库"}),
    **_codes("flood_hazard", {"low": "低", "danger for some": "对部分人员危险", "danger for most": "对多数人员危险",
                              "danger for all": "对所有人员危险", "dry": "无积水"}),
    **_codes("rain_model", {"gridded": "格点降雨（雷达或预报）", "rcliper": "R-CLIPER 参数化雨型",
                            "ipet": "IPET 参数化雨型"}),
    # the typhoon plan section (scenarios.typhoon.run): title, headings, table columns, sentences
    "typhoon.title": {"en": "Typhoon flood plan draft — {scenario}", "zh": "台风内涝应急预案草案 — {scenario}"},
    "typhoon.footer": {"en": "Local inertial flood model on the park DEM; to be reviewed by the emergency command.",
                       "zh": "基于园区数字高程模型的局部惯性洪水模型计算；须经应急指挥部审核后使用。"},
    "typhoon_heading.boundary": {"en": "1. Typhoon and boundary conditions", "zh": "1. 台风与边界条件"},
    "typhoon_heading.timeline": {"en": "2. Asset flooding timeline", "zh": "2. 风险单元进水时间线"},
    "typhoon_heading.actions": {"en": "3. Actions", "zh": "3. 行动建议"},
    "typhoon_heading.limits": {"en": "4. Assumptions and limits", "zh": "4. 假设与局限"},
    "typhoon_column.asset": {"en": "Asset", "zh": "风险单元"},
    "typhoon_column.kind": {"en": "Kind", "zh": "类型"},
    "typhoon_column.substance": {"en": "Substance", "zh": "物质"},
    "typhoon_column.first_flooded": {"en": "First flooded (local time)", "zh": "首次进水时间（当地时间）"},
    "typhoon_column.peak_above_floor": {"en": "Peak above floor (m)", "zh": "高于地坪的峰值水深 (m)"},
    "typhoon_column.hours_above_sill": {"en": "Hours above sill", "zh": "水位高于门槛的时长 (h)"},
    "typhoon_column.hazard": {"en": "Hazard", "zh": "洪水危险等级"},
    "typhoon_column.after_landfall": {"en": "Hours after landfall", "zh": "登陆后小时数"},
    "typhoon_column.margin": {"en": "Margin (m)", "zh": "距进水的余量 (m)"},
    "typhoon.boundary": {
        "en": "Landfall {landfall}, maximum 10-min wind {max_wind} m/s, {rain_model} rain, peak sea level "
              "{peak_sea_level} m (tide + inverse barometer + wind set-up); {hours:g} h from {start} on {cells_x} x "
              "{cells_y} cells of {spacing:g} m; volume budget closes to {budget:.1e}.",
        "zh": "登陆时间 {landfall}，最大 10 分钟平均风速 {max_wind} m/s，降雨模型 {rain_model}，最高海平面 "
              "{peak_sea_level} m（天文潮 + 气压降低引起的增水 + 风壅水）；自 {start} 起模拟 {hours:g} h，计算网格 "
              "{cells_x} × {cells_y}，网格间距 {spacing:g} m；水量平衡相对误差 {budget:.1e}。"},
    "typhoon.limits": {
        "en": "Parametric symmetric rain (no orography); screening surge (inverse barometer and steady wind "
              "set-up), not a surge model; buildings block flow; tanks' flotation depth is for a full tank with its "
              "shell neglected — an emptied tank floats far earlier, keep tanks ballasted; water-reactive contents "
              "(GHS H260/H261) escalate at the first water around them, below the sill too. A triggered release "
              "uses the typhoon's 10 m wind at the park centre in neutral class D, not a wind field over the domain.",
        "zh": "降雨为参数化的轴对称雨型（未考虑地形增雨）；风暴潮为筛查估算（气压降低引起的增水与稳定风壅水），"
              "不是风暴潮数值模型；建筑物阻水；储罐漂浮水深按满罐且忽略罐壁重量计算——空罐会早得多浮起，"
              "应保持储罐压载；遇水反应物质（GHS H260/H261）周边一旦出现积水即升级响应，未漫过门槛亦然。"
              "次生泄漏采用园区中心处台风 10 m 高度风速、中性稳定度 D 类，而非整个区域的风场。"},
    "typhoon.action.water_reactive": {
        "en": "{name} ({id}) holds water-reactive contents and water reaches it at {water_at}: escalate now, move "
              "them first, no water for firefighting.",
        "zh": "{name}（{id}）存放遇水反应物质：{water_at} 起周边有积水，立即升级响应，优先转移，禁止用水施救。"},
    "typhoon.action.flooded": {
        "en": "{name} ({id}, {substance}) takes water at {first_flooded}, {peak:.2f} m above its floor at peak: move "
              "its contents out before then, seal the door sill, cut the power.",
        "zh": "{name}（{id}，{substance}）预计 {first_flooded} 进水，峰值水深高于地坪 {peak:.2f} m：在此之前转移"
              "危险化学品/危险废物，封堵门槛，切断电源。"},
    "typhoon.action.secondary_release": {
        "en": "Secondary release: {risk_source} floods at {start} and releases {released_kg} kg, carried by the "
              "typhoon's wind: response level {level} ({rule}), evacuation distance {distance} m, endpoint-2 "
              "reaches: {reached}. Plan draft: {folder}/plan.html.",
        "zh": "次生泄漏：{risk_source} 于 {start} 进水后释放 {released_kg} kg，按台风风场扩散：响应等级 {level}"
              "（{rule}），疏散距离 {distance} m，毒性终点-2 到达的敏感目标：{reached}。详见 {folder}/plan.html。"},
    "typhoon.action.stays_dry": {"en": "{risk_source} stays dry in this scenario: no secondary release.",
                                 "zh": "{risk_source} 本情景下未进水，未触发次生泄漏。"},
    "typhoon.action.no_flooding": {"en": "No risk unit takes water in this scenario.", "zh": "本情景下无风险单元进水。"},
    "typhoon.none_reached": {"en": "none", "zh": "无"},
    # the nightly forecast's morning brief (scenarios.forecast): its rules, the reasons a source is not assessed,
    # the heavy-rain rule and its verdict (the English of the rules is also what run.json and the NetCDF record)
    "forecast.release_rule": {
        "en": "tank: whole inventory released within 10 min (HJ 169-2018 Table E.1, 5e-6 /a); pipe: full-bore "
              "rupture, the segment hold-up released over the 10-min isolation time (HJ 169-2018 App. F); a "
              "liquefied gas is all airborne (no rain-out credit); a liquid stored below its boiling point spills "
              "into its bund (else spreads to 1 cm) and the pool evaporates by mass transfer (HJ 169 Eq. F.12) "
              "for the whole followed window; solutions or gases stored near atmospheric pressure (<= 1.5 atm) "
              "and warehouses are not assessed",
        "zh": "储罐：全部存量在 10 分钟内释放（HJ 169-2018 表 E.1，5e-6 /a）；管道：全管径断裂，管段存量在 10 分钟"
              "紧急隔离时间内释放（HJ 169-2018 附录 F）；液化气体全部进入大气（不计液滴沉降）；低于沸点储存的液体"
              "泄漏至围堰（无围堰时铺展至 1 cm 厚），液池在整个跟踪时段内按质量蒸发（HJ 169 式 F.12）；"
              "接近常压（≤ 1.5 atm）储存的溶液或气体以及仓库不作评估"},
    "forecast.start_rule": {
        "en": "release at the forecast hour closest to the HJ 169-2018 worst case (F, 1.5 m/s): most stable class, "
              "then lightest wind, then earliest",
        "zh": "泄漏起始于最接近 HJ 169-2018 最不利气象条件（F 类，1.5 m/s）的预报时次：稳定度最稳定者优先，"
              "其次风速最小，再次时间最早"},
    "forecast.rank_rule": {
        "en": "expected people above endpoint-2 at residential areas, schools and hospitals (sum of P x population), "
              "then the highest probability at any sensitive receptor, then the median endpoint-2 distance",
        "zh": "按居民区、学校、医院处超过毒性终点浓度-2 的期望人数（Σ 概率 × 人口）排序，其次按任一敏感目标处的"
              "最大概率，再次按毒性终点浓度-2 距离中位数"},
    "forecast.not_assessed.warehouse": {"en": "warehouse: packaged goods, no release rule yet (not assessed)",
                                        "zh": "仓库：包装货物，尚无泄漏规则（未评估）"},
    "forecast.not_assessed.no_endpoint": {
        "en": "{key}: no HJ 169-2018 endpoint-2 value in twin/chemicals.csv (not assessed)",
        "zh": "{key}：物性表 twin/chemicals.csv 中无 HJ 169-2018 毒性终点浓度-2（未评估）"},
    "forecast.not_assessed.pool": {
        "en": "{substance} stored below its boiling point ({temperature:.0f} K < {boiling:.0f} K): an evaporating "
              "pool, but twin/chemicals.csv lacks {missing} for it (not assessed)",
        "zh": "{substance}低于沸点储存（{temperature:.0f} K < {boiling:.0f} K）：泄漏形成蒸发液池，但物性表 "
              "twin/chemicals.csv 缺少该物质的 {missing}（未评估）"},
    "forecast.not_assessed.solution": {
        "en": "{substance} above its boiling point ({boiling:.0f} K) but stored near atmospheric pressure "
              "({pressure:.0f} Pa): a solution or gas holder, whose release is an evaporating pool or a small vapour "
              "volume, no source term for it yet (not assessed)",
        "zh": "{substance}高于其沸点（{boiling:.0f} K）但接近常压储存（{pressure:.0f} Pa）：为溶液或气柜，泄漏为蒸发"
              "液池或少量蒸气，尚无相应源强模型（未评估）"},
    "forecast.heavy_rain_source.24": {"en": "GB/T 28592-2012 Table 1", "zh": "GB/T 28592-2012 表 1"},
    "forecast.heavy_rain_source.12": {"en": "GB/T 28592-2012 Table 1", "zh": "GB/T 28592-2012 表 1"},
    "forecast.heavy_rain_source.1": {"en": "hourly grade, not in GB/T 28592-2012; quoted, not verified",
                                     "zh": "小时雨强等级，GB/T 28592-2012 未列；引自他处，未经核实"},
    "forecast.heavy_rain.part": {"en": ">= {mm:g} mm in {window} h ({source})",
                                 "zh": "{window} 小时 ≥ {mm:g} mm（{source}）"},
    "forecast.heavy_rain.or": {"en": " or ", "zh": "或"},
    "forecast.heavy_rain.rule": {
        "en": "heavy rain when the forecast rain at the park centre reaches, in any window inside the horizon, "
              "{parts}; the park flood then runs with the forecast's gridded rain and the tide",
        "zh": "暴雨判据：预报时效内任一时段园区中心的预报降水达到 {parts}；触发后以预报格点降水和天文潮运行园区"
              "内涝模拟"},
    "forecast.heavy_rain.item": {"en": "max {window} h {value:g} mm {op} {threshold:g} mm",
                                 "zh": "{window} 小时最大 {value:g} mm {op} {threshold:g} mm"},
    "forecast.heavy_rain.triggered": {"en": "triggered: {items}", "zh": "暴雨判据触发：{items}"},
    "forecast.heavy_rain.not_triggered": {"en": "not triggered: {items}", "zh": "未达暴雨：{items}"},
    "forecast.heavy_rain.no_precipitation": {
        "en": "not assessed: the forecast carries no precipitation (looked for standard_name {standard} or a "
              "variable named {names})",
        "zh": "未评估：预报文件无降水量（查找了标准名 {standard} 或变量名 {names}）"},
    "forecast.rain_field.gridded": {"en": "the forecast's gridded rain, bilinear at every cell",
                                    "zh": "预报格点降水，双线性插值到每个网格"},
    "forecast.rain_field.park_centre": {
        "en": "the forecast's rain at the park centre on every cell (projected forecast grid)",
        "zh": "园区中心处的预报降水，施加于每个网格（预报为投影网格）"},
    "forecast.sea_level": {
        "en": "astronomical tide only ({constituents}, kind: typhoon's default constituents, phase 0 at the cycle "
              "start; no surge)",
        "zh": "仅天文潮（{constituents}，取台风情景默认分潮，预报起始时刻相位为 0；不含风暴潮）"},
}


def term(key: str, language: str) -> str:
    """The catalogue's text for ``key`` in ``language``.

    Parameters
    ----------
    key : 'group.code', e.g. 'receptor_kind.school'
    language : 'en' or 'zh'

    Returns
    -------
    The text; KeyError for an unknown key or language (a typo is an error, never a blank).
    """
    return CATALOGUE[key][language]


def sentence(key: str, language: str, /, **values) -> str:
    """The catalogue's text for ``key`` in ``language`` with its ``str.format`` placeholders filled from ``values``
    (any placeholder name, 'key' and 'language' included: the first two parameters are positional only)."""
    return term(key, language).format(**values)


def terms(group: str, language: str) -> dict[str, str]:
    """Every entry of ``group`` in ``language`` as ``{code: text}``, in catalogue order.

    Parameters
    ----------
    group : the part of the keys before the first dot, e.g. 'receptor_kind'
    language : 'en' or 'zh'

    Returns
    -------
    The group's texts by code; KeyError for a group the catalogue lacks.
    """
    prefix = group + "."
    found = {key[len(prefix):]: texts[language] for key, texts in CATALOGUE.items() if key.startswith(prefix)}
    if not found:
        raise KeyError(group)
    return found
