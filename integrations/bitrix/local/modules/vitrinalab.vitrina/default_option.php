<?php

/* Defaults for Option::get('vitrinalab.vitrina', ...), read by Bitrix when an option is unset. */

$vitrinalab_vitrina_default_option = [
    'vitrina_url' => '',
    'secret' => '',
    'iblock_ids' => '',
    'price_type_id' => '',
    'product_url_base' => '',
    'site_urls' => '',
    'prop_height' => 'HEIGHT',
    'prop_width' => 'WIDTH',
    'prop_composition' => 'COMPOSITION',
    'prop_type' => 'TYPE',
    'prop_more_photo' => 'MORE_PHOTO',
    'source' => 'iblock',
    'shop_api_url' => '',
    'shop_api_token' => '',
    'timeout_s' => '5',
    'batch_size' => '50',
    'max_run_s' => '25',
    'send_rate' => '20',
    'bulk_batch' => '500',
    'retry_base_s' => '10',
    'retry_cap_s' => '3600',
    'give_up_after_s' => '259200',
    'max_attempts' => '8',
    'keep_delivered_s' => '604800',
    'widget_enabled' => 'N',
    'widget_url' => '',
];
