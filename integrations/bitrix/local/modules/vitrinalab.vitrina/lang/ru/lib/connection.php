<?php

$MESS['VITRINALAB_VITRINA_CHECK_UNREACHABLE'] = 'Витрина по адресу #URL# недоступна: #WHY#';
$MESS['VITRINALAB_VITRINA_CHECK_REACHABLE'] = 'Витрина по адресу #URL# отвечает.';
$MESS['VITRINALAB_VITRINA_CHECK_SECRET_OK'] = 'Секрет верный: Витрина принимает подписанные модулем запросы.';
$MESS['VITRINALAB_VITRINA_CHECK_SECRET_BAD'] = 'Витрина отклонила подпись: секрет не совпадает с VITRINA_WEBHOOK_SECRETS Витрины.';
$MESS['VITRINALAB_VITRINA_CHECK_ODD'] = 'Неожиданный ответ Витрины: HTTP #STATUS# #BODY#';
