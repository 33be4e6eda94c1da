<?php

$MESS['VITRINALAB_VITRINA_LEAD_NONE'] = '—';
$MESS['VITRINALAB_VITRINA_LEAD_PHOTO_YES'] = 'приложено к письму (покупательница согласилась)';
$MESS['VITRINALAB_VITRINA_LEAD_PHOTO_NO'] = 'нет';
